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

// --- intake (受理登记, hotline/templates/intake) ---------------------------------------------------
// The suggestion panel pre-fills 诉求分类, 承办单位 and 协办单位 until the operator picks one by hand;
// Alt+1/2/3 (or a 选用 button) takes suggested department 1/2/3 with its catalogue assistants.
(function () {
  "use strict";

  function intakeField(name) {
    return document.querySelector('[data-intake-field="' + name + '"]');
  }

  function pickDepartment(button) {
    var lead = intakeField("department");
    var assisting = intakeField("assisting");
    if (!lead) return;
    lead.value = button.getAttribute("data-department-id");
    if (assisting) {
      var ids = (button.getAttribute("data-assisting-ids") || "").split(",").filter(Boolean);
      Array.prototype.forEach.call(assisting.options, function (option) {
        option.selected = ids.indexOf(option.value) !== -1;
      });
    }
    document.querySelectorAll("[data-intake-pick]").forEach(function (other) {
      other.classList.toggle("active", other === button);
    });
  }

  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-intake-field");
    if (name) event.target.setAttribute("data-intake-touched", "1");
  });

  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-intake-pick]");
    if (pick) {
      pickDepartment(pick);
      intakeField("department").setAttribute("data-intake-touched", "1");
    }
  });

  document.addEventListener("keydown", function (event) {
    var match = event.altKey && !event.ctrlKey && /^Digit([123])$/.exec(event.code || "");
    if (!match) return;
    var pick = document.querySelector('[data-intake-pick="' + match[1] + '"]');
    if (pick) {
      event.preventDefault();
      pick.click();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = event.target.querySelector && event.target.querySelector("[data-intake-suggestion]");
    if (!panel) return;
    var category = intakeField("category");
    var suggested = panel.getAttribute("data-intake-category");
    if (category && suggested && !category.hasAttribute("data-intake-touched")) category.value = suggested;
    var lead = intakeField("department");
    var first = panel.querySelector('[data-intake-pick="1"]');
    if (first && lead && !lead.hasAttribute("data-intake-touched")) pickDepartment(first);
    // 同一事项: the ticket to merge into goes into 并入工单编号 unless the operator typed one.
    var target = intakeField("merge-target");
    var repeatOf = panel.getAttribute("data-intake-repeat");
    if (target && repeatOf && !target.hasAttribute("data-intake-touched")) target.value = repeatOf;
  });

  // 插入答复: the article's text goes into the 答复内容 box, after what the operator already wrote.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-intake-knowledge]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-intake-target"));
    fetch(button.getAttribute("data-intake-knowledge"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) {
        target.value = target.value.trim() ? target.value.replace(/\s+$/, "") + "\n" + text : text;
        target.focus();
      })
      .catch(function () { button.classList.add("btn-outline-danger"); button.textContent = "插入失败，请重试"; });
  });
})();
