"""The revisitor's workstation over HTTP: claims, recording a revisit, revealing the number."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.extensions import db
from hotline.revisits import service as revisits
from hotline.tickets.models import Revisit, Ticket
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def second_revisitor(factory):
    user = User(username="revisitor2", full_name="回访员二号")
    user.roles = {Role.REVISITOR}
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def _shown(response):
    """The number of the ticket the workstation opened."""
    marker = 'id="revisit-number">'
    assert marker in response.text, response.text
    return response.text.split(marker, 1)[1].split("<", 1)[0]


def _answer(ticket, **fields):
    return {"satisfaction": "satisfied", "resolved": "yes", "note": "市民表示满意",
            "version": str(ticket.version), **fields}


@pytest.mark.parametrize("username", ["operator1", "dispatcher1", "dept_housing", "supervisor1"])
def test_only_revisitors_use_the_workstation(web, factory, username):
    ticket = factory.ticket("pending_revisit")
    browser = web(username)
    assert browser.get("/revisit").status_code == 403
    assert browser.post(f"/revisit/{ticket.number}", _answer(ticket)).status_code == 403
    assert db.session.get(Ticket, ticket.id).state == "pending_revisit"


def test_workstation_opens_the_earliest_due_ticket_and_claims_it(web, factory):
    later = factory.ticket("pending_revisit")
    earlier = factory.ticket("pending_revisit")
    earlier.revisit_due_at = later.revisit_due_at - timedelta(hours=1)
    db.session.commit()

    response = web("revisitor1").get("/revisit")
    assert response.status_code == 200
    assert _shown(response) == earlier.number
    text = response.text
    assert "未接通 0/3" in text and "已联系物业完成维修" in text and "已解决" in text
    assert earlier.caller_phone not in text and earlier.caller_phone[-4:] in text and "显示号码" in text
    db.session.expire_all()
    claimed = db.session.get(Ticket, earlier.id)
    assert claimed.revisit_claimed_by_id == factory.user("revisitor1").id
    assert claimed.revisit_claimed_until > utcnow() + timedelta(minutes=9)
    assert db.session.get(Ticket, later.id).revisit_claimed_by_id is None


def test_two_revisitors_never_get_the_same_ticket(web, factory, second_revisitor):
    tickets = [factory.ticket("pending_revisit") for _ in range(2)]
    first, second = web("revisitor1"), web("revisitor2")
    opened = [_shown(first.get("/revisit")), _shown(second.get("/revisit"))]
    assert sorted(opened) == sorted(t.number for t in tickets)
    assert _shown(first.get("/revisit")) == opened[0]  # reloading keeps one's own ticket


def test_a_held_ticket_is_not_offered_until_its_claim_expires(web, factory, second_revisitor):
    ticket = factory.ticket("pending_revisit")
    assert _shown(web("revisitor1").get("/revisit")) == ticket.number
    assert "暂无待回访工单" in web("revisitor2").get("/revisit").text

    later = utcnow() + timedelta(minutes=11)
    assert revisits.claim_next(second_revisitor, later).id == ticket.id
    db.session.commit()
    assert db.session.get(Ticket, ticket.id).revisit_claimed_by_id == second_revisitor.id


def test_the_claim_lasts_the_configured_minutes(app, web, factory, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_REVISIT_CLAIM_MINUTES", 2)
    ticket = factory.ticket("pending_revisit")
    web("revisitor1").get("/revisit")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).revisit_claimed_until < utcnow() + timedelta(minutes=3)


def test_a_satisfied_revisit_closes_the_ticket_and_opens_the_next(web, factory):
    ticket = factory.ticket("pending_revisit")
    following = factory.ticket("pending_revisit")
    browser = web("revisitor1")
    assert _shown(browser.get("/revisit")) == ticket.number

    response = browser.post(f"/revisit/{ticket.number}", _answer(ticket))
    assert response.status_code == 302 and response.headers["Location"] == "/revisit"
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.state, saved.satisfaction, saved.resolved) == ("closed", "satisfied", True)
    assert saved.revisit_claimed_by_id is None and saved.revisit_claimed_until is None
    assert _shown(browser.get("/revisit")) == following.number


def test_unsatisfied_without_close_reason_goes_back_for_redo(web, factory):
    ticket = factory.ticket("pending_revisit")
    browser = web("revisitor1")
    browser.get("/revisit")
    response = browser.post(f"/revisit/{ticket.number}", _answer(
        ticket, satisfaction="unsatisfied", resolved="no", note="电梯仍未修好"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.state, saved.reopen_count, saved.department_id) == (
        "dispatched", 1, factory.department("housing").id)
    assert "暂无待回访工单" in browser.get("/revisit").text


def test_unsatisfied_with_close_reason_is_closed(web, factory):
    ticket = factory.ticket("pending_revisit")
    web("revisitor1").post(f"/revisit/{ticket.number}", _answer(
        ticket, satisfaction="unsatisfied", resolved="no", close_reason="诉求超出政策范围，已解释"))
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.state, saved.satisfaction, saved.reopen_count) == ("closed", "unsatisfied", 0)


def test_unreachable_counts_an_attempt_and_moves_on(web, factory):
    ticket = factory.ticket("pending_revisit")
    browser = web("revisitor1")
    browser.get("/revisit")
    response = browser.post(f"/revisit/{ticket.number}", {"satisfaction": "unreachable",
                                                          "version": str(ticket.version)})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert (saved.state, saved.revisit_attempts, saved.revisit_claimed_by_id) == ("pending_revisit", 1, None)
    page = browser.get("/revisit")
    assert "暂无待回访工单" in page.text and "已跳过 1 张" in page.text
    browser.post("/revisit/skipped/reset")
    assert "未接通 1/3" in browser.get("/revisit").text


def test_a_reached_citizen_needs_the_resolved_answer(web, factory):
    ticket = factory.ticket("pending_revisit")
    response = web("revisitor1").post(f"/revisit/{ticket.number}", _answer(ticket, resolved=""))
    assert response.status_code == 400
    assert "问题是否解决" in response.text and "市民表示满意" in response.text  # input kept
    assert db.session.scalars(select(Revisit).where(Revisit.ticket_id == ticket.id)).all() == []


def test_a_stale_version_says_so_and_offers_a_reload(web, factory):
    ticket = factory.ticket("pending_revisit")
    response = web("revisitor1").post(f"/revisit/{ticket.number}", _answer(ticket, version=str(ticket.version - 1)))
    assert response.status_code == 409
    assert "该工单已被他人更新" in response.text and "重新加载" in response.text
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).state == "pending_revisit"


def test_recording_a_ticket_another_revisitor_holds_is_refused(web, factory, second_revisitor):
    ticket = factory.ticket("pending_revisit")
    web("revisitor2").get("/revisit")
    response = web("revisitor1").post(f"/revisit/{ticket.number}", _answer(ticket))
    assert response.status_code == 409 and "正由其他回访员回访" in response.text
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).state == "pending_revisit"


def test_skipping_releases_the_claim(web, factory):
    first = factory.ticket("pending_revisit")
    second = factory.ticket("pending_revisit")
    browser = web("revisitor1")
    assert _shown(browser.get("/revisit")) == first.number
    assert browser.post(f"/revisit/{first.number}/skip").status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).revisit_claimed_by_id is None
    assert _shown(browser.get("/revisit")) == second.number


def test_posting_without_csrf_is_refused(web, factory):
    ticket = factory.ticket("pending_revisit")
    assert web("revisitor1").post(f"/revisit/{ticket.number}", _answer(ticket), csrf=False).status_code == 400
    assert db.session.get(Ticket, ticket.id).state == "pending_revisit"


def test_show_number_reveals_it_to_revisitors_only(web, factory):
    ticket = factory.ticket("pending_revisit")
    response = web("revisitor1").post(f"/revisit/{ticket.number}/phone", headers={"HX-Request": "true"})
    assert response.status_code == 200 and ticket.caller_phone in response.text
    refused = web("dept_housing").post(f"/revisit/{ticket.number}/phone")
    assert refused.status_code == 403 and ticket.caller_phone not in refused.text


def test_an_unknown_ticket_is_a_404(web, factory):
    assert web("revisitor1").post("/revisit/20260101-999999/phone").status_code == 404
