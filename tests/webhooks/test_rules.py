"""The pure rules: which URLs an endpoint may have, which workflow changes are events."""
import pytest

from hotline.webhooks.events import event_for
from hotline.webhooks.schemas import checked_url


@pytest.mark.parametrize("url", [
    "https://example.com/hooks/12345", "https://data.city.gov.cn:8443/in?source=hotline",
    "https://10.1.2.3/hook", "https://xn--fiqs8s.cn/hook",
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook", "HTTPS://Example.com/x",
])
def test_accepted_urls(url):
    assert checked_url(url) == url


@pytest.mark.parametrize("url, reason", [
    ("http://example.com/hook", "只允许 https"),
    ("http://127.0.0.2/hook", "只允许 https"),
    ("http://localhost.example.com/hook", "只允许 https"),
    ("http://10.0.0.1/hook", "只允许 https"),
    ("ftp://example.com/hook", "必须以 https:// 开头"),
    ("javascript:alert(1)", "必须以 https:// 开头"),
    ("file:///etc/passwd", "必须以 https:// 开头"),
    ("example.com/hook", "必须以 https:// 开头"),
    ("https://user:secret@example.com/hook", "用户名或密码"),
    ("https://token@example.com/hook", "用户名或密码"),
    ("https:///hook", "主机名"),
    ("https://", "主机名"),
    ("https://exa_mple.com/", "主机名"),
    ("https://-bad.com/", "主机名"),
    ("https://example.com:99999/", "格式不正确"),
    ("https://example.com:0/", "端口"),
    ("https://example.com/hook#part", "片段"),
    ("https://例子.中国/hook", "ASCII"),
    ("https://example.com/a b", "ASCII"),
    ("https://example.com/\x00", "ASCII"),
])
def test_refused_urls(url, reason):
    with pytest.raises(ValueError, match=reason):
        checked_url(url)


@pytest.mark.parametrize("action, from_state, to_state, kind", [
    ("create", None, "received", "ticket.created"),
    ("dispatch", "received", "dispatched", "ticket.dispatched"),
    ("revisit", "pending_revisit", "dispatched", "ticket.dispatched"),  # redo after an unsatisfied revisit
    ("reply", "accepted", "replied", "ticket.replied"),
    ("revisit", "pending_revisit", "closed", "ticket.closed"),
    ("answer", "received", "answered", "ticket.closed"),
    ("reject_return", "return_requested", "dispatched", None),  # back where it was, not a new dispatch
    ("sign", "dispatched", "accepted", None),
    ("urge", "accepted", "accepted", None),
    ("merge", "received", "merged", None),
    ("invalidate", "received", "invalid", None),
    ("revisit", "pending_revisit", "pending_revisit", None),  # unreachable, to be called again
])
def test_which_changes_are_events(action, from_state, to_state, kind):
    assert event_for(action, from_state, to_state) == kind

