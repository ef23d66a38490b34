// Page behaviour shared by every screen. No inline scripts anywhere (strict CSP): pages mark
// elements with data- attributes and this file wires them up.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every htmx request carries the CSRF token, like every form does.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Ctrl+Enter submits the form that has focus (or the page's main form).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = (document.activeElement && document.activeElement.form) || document.querySelector("form[data-main-form]");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // <input type="checkbox" data-check-all="rows"> toggles every checkbox with data-check-row="rows".
  document.addEventListener("change", function (event) {
    var group = event.target.getAttribute("data-check-all");
    if (!group) return;
    document.querySelectorAll('[data-check-row="' + group + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  // <button data-confirm="…"> asks before it submits.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Widths given as data-width="42" (percent) are set here: a strict CSP refuses style attributes.
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-width")) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSettle", function (event) { applyWidths(event.target); });

  window.hotline = { csrfToken: csrfToken, applyWidths: applyWidths };
})();
