"""The accountability page: records by department, kind and status; supervisors accept or confirm."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.accountability.models import AccountabilityRecord
from hotline.accountability.service import explain
from hotline.extensions import db
from hotline.jobs.sweep import deadline_sweep
from hotline.timeutil import utcnow


@pytest.fixture
def records(factory, ctx):
    """Overdue records of two tickets (housing), the first explained by the department."""
    past = utcnow() - timedelta(days=20)
    for state in ("dispatched", "accepted"):
        factory.ticket(state, now=past)
    deadline_sweep(utcnow())
    rows = db.session.scalars(select(AccountabilityRecord).order_by(AccountabilityRecord.id)).all()
    explain(rows[0].id, factory.user("dept_housing"), {"explanation": "人手不足，已增派人员"}, utcnow())
    db.session.commit()
    return rows


def test_supervisor_sees_records_with_the_explanation(web, records):
    page = web("supervisor1").get("/accountability")
    assert page.status_code == 200
    assert page.text.count("data-record=") == len(records)
    assert "人手不足，已增派人员" in page.text and "采纳说明" in page.text


@pytest.mark.parametrize("args, expected", [("status=explained", 1), ("kind=complete", None),
                                            ("status=confirmed", 0)])
def test_filters(web, records, args, expected):
    page = web("supervisor1").get(f"/accountability?{args}")
    wanted = expected if expected is not None else sum(r.kind == "complete" for r in records)
    assert page.text.count("data-record=") == wanted


def test_accept_and_confirm_write_the_decision(web, records):
    browser = web("supervisor1")
    explained, other = records[0], records[1]
    assert browser.post(f"/accountability/{explained.id}/accept", {"note": "理由成立"}).status_code == 302
    assert browser.post(f"/accountability/{other.id}/confirm", {"note": "确认超期责任"}).status_code == 302
    db.session.expire_all()
    assert (db.session.get(AccountabilityRecord, explained.id).status,
            db.session.get(AccountabilityRecord, explained.id).decision_note) == ("accepted", "理由成立")
    assert db.session.get(AccountabilityRecord, other.id).status == "confirmed"


def test_refused_decision_keeps_the_note_and_status(web, records):
    browser = web("supervisor1")
    open_record = records[1]
    page = browser.post(f"/accountability/{open_record.id}/accept", {"note": "我的意见"})
    assert page.status_code == 409 and "不能执行该操作" in page.text and "我的意见" in page.text
    empty = browser.post(f"/accountability/{open_record.id}/confirm", {"note": ""})
    assert empty.status_code == 400 and "请填写认定意见" in empty.text
    db.session.expire_all()
    assert db.session.get(AccountabilityRecord, open_record.id).status == "open"


@pytest.mark.parametrize("username", ["dispatcher1", "admin", "dept_housing"])
def test_others_read_but_may_not_decide(web, records, username):
    browser = web(username)
    assert browser.get("/accountability").status_code == 200
    assert browser.post(f"/accountability/{records[1].id}/confirm", {"note": "确认"}).status_code == 403


def test_department_sees_its_own_and_is_sent_to_explain(web, records):
    housing = web("dept_housing").get("/accountability")
    assert housing.text.count("data-record=") == len(records)
    assert 'href="/department/accountability"' in housing.text
    assert web("dept_water").get("/accountability").text.count("data-record=") == 0


def test_operator_is_refused(web):
    assert web("operator1").get("/accountability").status_code == 403
