#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium and a CJK font.
# Idempotent: does nothing when both are there. When they cannot be installed it says
# why, loudly, and exits 0, so that `make test` goes on and the browser tests skip
# (or fail, under CI=true: see tests/browser/conftest.py).
set -u

have_chromium() { [ -x /usr/bin/chromium ]; }
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto.*CJK'; }

if have_chromium && have_cjk_font; then
    exit 0
fi

warn() {
    {
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo "!!! browser-deps: $*"
        echo "!!! Browser tests will be SKIPPED (and FAIL under CI=true)."
        echo "!!! Needed: /usr/bin/chromium and fonts-noto-cjk (apt-get install -y chromium fonts-noto-cjk)."
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    } >&2
    exit 0
}

[ "$(id -u)" -eq 0 ] || warn "not root, cannot apt-get install chromium/fonts-noto-cjk."
command -v apt-get >/dev/null 2>&1 || warn "no apt-get on this machine."

echo "browser-deps: installing chromium and fonts-noto-cjk with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || warn "apt-get update failed."
apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk >/dev/null \
    || warn "apt-get install chromium fonts-noto-cjk failed."
command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1

have_chromium || warn "apt-get ran but /usr/bin/chromium is still missing."
have_cjk_font || warn "apt-get ran but fc-list knows no Noto CJK font."
echo "browser-deps: $(/usr/bin/chromium --version 2>/dev/null) and Noto CJK are installed." >&2
