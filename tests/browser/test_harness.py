"""Self-tests of the browser harness (tests/browser/conftest.py); they need no web page of ours."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _kinds(errors):
    return sorted({(kind, status) for kind, status, _url, _text in errors}, key=lambda e: (e[0], e[1] or 0))


def test_openapi_page_has_no_errors(page, page_errors, live_server):
    response = page.goto("/api/v1/openapi.json")
    assert response.status == 200
    assert page.url == f"{live_server}/api/v1/openapi.json"
    assert '"openapi"' in page.inner_text("body")
    page.evaluate("0")
    assert page_errors.entries == []


def test_context_settings(page):
    page.goto("/api/v1/openapi.json")
    assert page.evaluate("[innerWidth, innerHeight]") == [1366, 768]
    assert page.evaluate("navigator.language") == "zh-CN"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Shanghai"


def test_console_error_is_collected(page, page_errors):
    page.goto("/api/v1/openapi.json")
    page.evaluate("console.error('x')")
    page.evaluate("0")
    assert [(kind, text) for kind, _status, _url, text in page_errors.entries] == [("console", "x")]
    listed = r"1 error\(s\).*\n  \[console\] http://127\.0\.0\.1:\d+/api/v1/openapi\.json: x\n"
    with pytest.raises(AssertionError, match=listed):
        page_errors.check()  # what the teardown raises; it also clears, so this test passes
    assert page_errors.entries == []


def test_uncaught_error_is_collected(page, page_errors):
    page.goto("/api/v1/openapi.json")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') })")
    errors = page_errors.take()
    assert [kind for kind, _status, _url, _text in errors] == ["pageerror"]
    assert errors[0][3].startswith("Error: boom"), errors  # with the stack


def test_missing_static_file_is_reported(page, page_errors, live_server):
    page.goto("/api/v1/openapi.json")
    with page.expect_response("**/static/no-such-file.js"):
        page.evaluate("document.head.append(Object.assign(document.createElement('script'),"
                      " {src: '/static/no-such-file.js'}))")
    page.evaluate("0")
    errors = page_errors.take()
    # Chromium also aborts the body of a script that came with a 404 (a failed request too), and
    # with nosniff refuses to run the HTML error page it got instead (a second console line).
    assert _kinds(errors) == [("console", None), ("console", 404), ("requestfailed", None), ("response", 404)]
    assert {url for kind, status, url, _text in errors if status or kind != "console"} == {
        f"{live_server}/static/no-such-file.js"}


def test_network_failure_is_reported(page, page_errors):
    page.route("**/static/aborted.js", lambda route: route.abort())
    page.goto("/api/v1/openapi.json")
    with page.expect_event("requestfailed"):
        page.evaluate("fetch('/static/aborted.js').catch(() => {})")
    page.evaluate("0")
    errors = page_errors.take()
    assert ("requestfailed", None) in _kinds(errors)
    assert any("net::ERR_FAILED" in text for kind, _s, _u, text in errors if kind == "requestfailed")


def test_expected_status_is_allowed(page, page_errors):
    page_errors.allow(404, "/no-such-page")
    assert page.goto("/no-such-page").status == 404
    page_errors.allow(404, "/static/missing-*")
    with page.expect_response("**/static/missing-1.js"):
        page.evaluate("document.head.append(Object.assign(document.createElement('script'),"
                      " {src: '/static/missing-1.js'}))")
    page.evaluate("0")
    assert page_errors.take() == []  # neither the responses nor chromium's lines about them


def test_allowance_is_narrow(page, page_errors):
    page_errors.allow(404, "/allowed/*")
    assert page.goto("/allowed/page").status == 404
    assert page.goto("/other-page").status == 404
    page.evaluate("0")
    errors = page_errors.take()
    assert _kinds(errors) == [("console", 404), ("response", 404)]
    assert all(url.endswith("/other-page") for _kind, _status, url, _text in errors)


def test_a_browser_error_fails_the_test(browser, tmp_path):  # `browser`: skips where none
    """End to end: the `page` fixture turns an error into a failure (an error at teardown)."""
    (tmp_path / "test_inner.py").write_text(textwrap.dedent("""
        def test_console_error(page):
            page.goto("/api/v1/openapi.json")
            page.evaluate("console.error('inner-error')")

        def test_allowed_404(page, page_errors):
            page_errors.allow(404)
            page.goto("/nowhere")

        def test_unexpected_404(page):
            page.goto("/nowhere")
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.browser.conftest", "-p", "no:cacheprovider",
         "-c", str(ROOT / "pytest.ini"), "--rootdir", str(ROOT), "-q", "-p", "no:xdist", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        # The inner run on SQLite alone: the harness is the same on both databases.
        env={**{k: v for k, v in os.environ.items() if k != "HOTLINE_TEST_DATABASE_URL"}, "PYTHONPATH": str(ROOT)})
    out = result.stdout + result.stderr
    assert "3 passed, 2 errors" in out, out  # a teardown error counts beside the test's pass
    assert "[console]" in out and "inner-error" in out, out
    assert "ERROR at teardown of test_unexpected_404" in out and "[response]" in out, out


def test_screenshot(page, screenshot):
    page.goto("/api/v1/openapi.json")
    path = screenshot(page, "harness-openapi")
    assert path == ROOT / "bench" / "out" / "screenshots" / "harness-openapi.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_login_fills_and_submits_the_form(page, login):
    """Against a stand-in for /login (routed in the browser): the real page is not needed here."""
    posted = []

    def fake_login(route):
        if route.request.method == "POST":
            posted.append(route.request.post_data)
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<p>已登录</p>")
        else:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=(
                "<form method=post><input name=username><input name=password type=password>"
                "<button type=submit>登录</button></form>"))

    page.route("**/login", fake_login)
    login(page, "operator1")
    assert posted == ["username=operator1&password=hotline-demo"]
    assert page.inner_text("p") == "已登录"
