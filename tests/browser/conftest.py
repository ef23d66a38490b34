"""Browser tests: a live server of their own app, and Playwright driving Debian's chromium.

    def test_tickets_page(page, login, screenshot):
        login(page, "operator1")
        page.goto("/tickets")
        screenshot(page, "tickets")

Every test that uses `page` fails (at teardown) on any console error, uncaught page error,
failed request, and any same-origin response with a status >= 400 — navigations included.
A test that expects such a status says so first: `page_errors.allow(404, "/tickets/999")`.
A test that expects other errors takes them off the collector: `page_errors.take()`.

Where chromium cannot be had (scripts/browser-deps.sh installs it) these tests skip with a
loud reason; under CI=true they fail instead.
"""
import fnmatch
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from hotline.extensions import db
from tests.conftest import DEMO_PASSWORD, clean_app, make_app, seed_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"
TIMEOUT_MS = 10_000  # a missing element fails in 10 s, not Playwright's 30 s
# Chromium asks every page for /favicon.ico; Playwright shows no request for it, only this console line.
FAVICONS = ("/favicon.ico", "/static/favicon.svg")
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def _unavailable(reason):
    message = f"BROWSER TESTS NOT RUN: {reason} (run scripts/browser-deps.sh)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI=true makes this a failure", pytrace=False)
    pytest.skip(message)


# --- the live server -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The browser tests' own app on an SQLite file, seeded like tests/conftest.py's `app`."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.db'}")
    seed_app(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL ("http://127.0.0.1:PORT") of `live_app` served in a background thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live_server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(autouse=True)
def _clean_live_app(request):
    """After each test that used the live server, remove what it wrote (as `_clean` does for `app`)."""
    yield
    if "live_app" in request.fixturenames:
        clean_app(request.getfixturevalue("live_app"))


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _playwright():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is missing ({exc}); pip install -r requirements-dev.txt")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    """Headless Debian chromium, one per test session (per xdist worker)."""
    try:
        browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        _unavailable(f"{CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()


class PageErrors:
    """What went wrong in a browser context during one test; `check()` raises if anything did.

    Kinds: "console" (console.error and the browser's own error lines), "pageerror" (an
    uncaught exception or rejection), "requestfailed" (network failure, any origin) and
    "response" (status >= 400 from the live server's origin).
    """

    def __init__(self, base_url):
        self.origin = _origin(base_url)
        self.entries = []  # (kind, status or None, url, text)
        self._allowed = []  # (status, url pattern or None)
        self.closed = False

    # Listeners (attached to the context, so popups and new pages are watched too).
    def attach(self, context):
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)

    def _on_request_failed(self, request):
        # Chromium fetches the icon after the load event: a test that moves on cuts it off.
        if request.failure == "net::ERR_ABORTED" and urlsplit(request.url).path in FAVICONS:
            return
        self._add("requestfailed", None, request.url, f"{request.method} {request.failure}")

    def _add(self, kind, status, url, text):
        if not self.closed:
            self.entries.append((kind, status, url, text))

    def _on_console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url") or (message.page.url if message.page else "")
        match = _FAILED_LOAD.match(message.text)
        if match and urlsplit(url).path == "/favicon.ico":
            return  # no page of ours links one; chromium asks anyway
        self._add("console", int(match.group(1)) if match else None, url, message.text)

    def _on_weberror(self, web_error):
        error = web_error.error
        self._add("pageerror", None, web_error.page.url if web_error.page else "",
                  error.stack or f"{error.name}: {error.message}")

    def _on_response(self, response):
        if response.status >= 400 and _origin(response.url) == self.origin:
            self._add("response", response.status, response.url,
                      f"{response.request.method} {response.status} {response.status_text}"
                      f" ({response.request.resource_type})")

    # For tests.
    def allow(self, status, url=None):
        """Expect responses with `status` (for `url` only: a path such as "/tickets/999", fnmatch
        patterns allowed, or a full URL): neither they nor chromium's console line about them fail."""
        self._allowed.append((status, url))

    def take(self):
        """The errors collected so far, as (kind, status, url, text) tuples, not allowed ones; clears them."""
        allowed = [entry for entry in self.entries if self._is_allowed(entry)]
        # Chromium aborts the body of a script or style that came with an error status.
        aborted = {url for kind, _status, url, _text in allowed if kind == "response"}
        found = [entry for entry in self.entries if entry not in allowed and not (
            entry[0] == "requestfailed" and entry[2] in aborted and entry[3].endswith("net::ERR_ABORTED"))
            # and, with nosniff, refuses to run the error page it got instead ("Refused to execute …").
            and not (entry[0] == "console" and any(f"'{url}'" in entry[3] for url in aborted))]
        self.entries.clear()
        return found

    def check(self):
        found = self.take()
        if found:
            lines = "\n".join(f"  [{kind}] {url}: {text}" for kind, _status, url, text in found)
            raise AssertionError(
                f"the browser reported {len(found)} error(s) during the test:\n{lines}\n"
                "(expected statuses: page_errors.allow(404, '/path'); expected errors: page_errors.take())")

    def _is_allowed(self, entry):
        kind, status, url, _text = entry
        if status is None or kind not in ("response", "console"):
            return False
        for allowed_status, pattern in self._allowed:
            if status != allowed_status:
                continue
            if pattern is None or fnmatch.fnmatchcase(url, pattern) or (
                    pattern.startswith("/") and _origin(url) == self.origin
                    and fnmatch.fnmatchcase(_path_and_query(url), pattern)):
                return True
        return False


def _origin(url):
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc)


def _path_and_query(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def page_errors(live_server):
    """The error collector of the current test's `page`: .allow(status, url=None), .take(), .entries."""
    return PageErrors(live_server)


@pytest.fixture
def browser_context(browser, live_server, page_errors):
    """A fresh context per test: 1366x768, zh-CN, Asia/Shanghai, relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page_errors.attach(context)
    yield context
    page_errors.closed = True  # requests that closing the context aborts are no errors of the page
    context.close()


@pytest.fixture
def page(browser_context, page_errors, request):
    """A new page in a fresh context; fails the test at teardown on any error the browser saw."""
    page = browser_context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if not page.is_closed():
        if report is not None and report.failed:
            _save(page, f"failed-{request.node.name}")
        try:
            page.evaluate("0")  # one round trip: events the page sent before now are delivered
        except Exception:
            pass
    page_errors.check()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # `page` saves a screenshot of a failed test


# --- helpers ---------------------------------------------------------------------------------

def _save(page, name, **options):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^0-9A-Za-z_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), **options)
    return path


@pytest.fixture
def screenshot():
    """screenshot(page, name, **page.screenshot options) -> Path of bench/out/screenshots/<name>.png."""
    return _save


@pytest.fixture
def login():
    """login(page, username, password="hotline-demo"): submits /login's form and waits for the next page."""
    def login(page, username, password=DEMO_PASSWORD):
        page.goto("/login")
        page.fill("[name=username]", username)
        page.fill("[name=password]", password)
        with page.expect_navigation():
            page.click("button[type=submit], input[type=submit]")
        return page

    return login
