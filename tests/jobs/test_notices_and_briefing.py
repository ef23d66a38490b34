"""Notifications over HTTP, the revisit queue and the stored daily briefing."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.extensions import db
from hotline.jobs.models import DailyBriefing
from hotline.jobs.runner import run_job
from hotline.notifications.models import Notification
from tests.jobs.helpers import local, notices, sweep


def test_department_reads_its_own_notifications(api, factory):
    ticket = factory.ticket("dispatched", now=local("2026-11-02T09:00"))
    sweep("2026-11-02T16:30")
    [warning] = notices(ticket)

    listed = api("dept_housing").get("/notifications?unread=true")
    assert listed.status_code == 200
    assert [(n["kind"], n["ticket_number"]) for n in listed.json["items"]] == [
        ("warning", ticket.number), ("dispatched", ticket.number)]  # newest first: the 新派单 came before
    assert listed.json["items"][0]["id"] == warning.id
    assert api("dept_eco_env").get("/notifications").json["total"] == 0
    assert api("dept_eco_env").post(f"/notifications/{warning.id}/read").status_code == 404
    assert api("dept_housing").post(f"/notifications/{2**70}/read").status_code == 404

    read = api("dept_housing").post(f"/notifications/{warning.id}/read")
    assert read.status_code == 200 and read.json["read_at"] is not None
    assert api("dept_housing").get("/notifications?unread=true").json["total"] == 1
    again = api("dept_housing").post(f"/notifications/{warning.id}/read")
    assert again.json["read_at"] == read.json["read_at"]


def test_revisit_queue_flags_each_overdue_revisit_once(api, factory):
    ticket = factory.ticket("pending_revisit", now=local("2026-11-02T09:00"))
    early = run_job("revisit_queue", local("2026-11-03T09:00"))
    assert early["result"] == {"flagged": 0}

    assert run_job("revisit_queue", local("2026-11-05T09:00"))["result"] == {"flagged": 1}
    assert run_job("revisit_queue", local("2026-11-06T09:00"))["result"] == {"flagged": 0}
    [flag] = notices(ticket)
    assert (flag.kind, flag.recipient_role, flag.due_at) == (
        "revisit_overdue", "revisitor", ticket.revisit_due_at)
    assert api("revisitor1").get("/notifications").json["items"][0]["id"] == flag.id
    assert flag.id not in [n["id"] for n in api("dept_housing").get("/notifications").json["items"]]


def test_daily_briefing_is_stored_once_and_viewable(api, factory):
    factory.ticket("dispatched", now=local("2026-11-02T09:00"))  # sign due 17:30 that day
    factory.ticket("received", now=local("2026-11-02T11:00"), channel="wechat", type="consult")
    factory.ticket("received", now=local("2026-11-03T11:00"))
    sweep("2026-11-02T23:00")

    assert run_job("daily_briefing", local("2026-11-03T08:00"))["result"] == {"days": ["2026-11-02"]}
    assert run_job("daily_briefing", local("2026-11-03T09:00"))["result"] == {"days": []}
    assert db.session.scalar(select(db.func.count()).select_from(DailyBriefing)) == 1

    response = api("supervisor1").get("/reports/daily/2026-11-02")
    assert response.status_code == 200, response.json
    data = response.json
    assert (data["received"], data["by_channel"], data["by_type"]) == (
        2, {"phone": 1, "wechat": 1}, {"complaint": 1, "consult": 1})
    assert [(d["name"], d["count"]) for d in data["by_department"]] == [
        (factory.department("housing").name, 1)]
    assert (data["new_overdue"], data["new_overdue_by_deadline"]) == (1, {"sign": 1})
    assert data["satisfaction_rate"] is None


def test_briefing_names_the_week_s_hot_topics(api, factory):
    for n in range(6):
        factory.ticket("received", now=local(f"2026-11-0{n % 2 + 1}T1{n}:00"), area="江北区",
                       content=f"江北区沙坪街道滨江路的路灯又坏了，晚上一片漆黑很危险（第{n + 1}次）")
    factory.ticket("received", now=local("2026-11-02T10:00"), area="城东区",
                   content="想咨询一下公积金提取需要什么材料")
    run_job("daily_briefing", local("2026-11-03T08:00"))
    [topic] = api("supervisor1").get("/reports/daily/2026-11-02").json["hot_topics"]
    assert (topic["area"], topic["count"], topic["previous_count"]) == ("江北区", 6, 0)
    assert "路灯" in topic["topic"]


def test_briefing_catches_up_missed_days(factory):
    run_job("daily_briefing", local("2026-11-01T08:00"))
    assert run_job("daily_briefing", local("2026-11-04T08:00"))["result"] == {
        "days": ["2026-11-01", "2026-11-02", "2026-11-03"]}


def test_briefing_endpoint_refuses_departments_and_bad_dates(api, factory):
    run_job("daily_briefing", local("2026-11-03T08:00"))
    assert api("dept_housing").get("/reports/daily/2026-11-02").status_code == 403
    assert api("supervisor1").get("/reports/daily/2026-13-01").status_code == 400
    assert api("supervisor1").get("/reports/daily/2026-10-01").status_code == 404


def test_a_notification_without_recipient_is_refused(factory):
    db.session.add(Notification(kind="warning", text="无人接收", created_at=local("2026-11-02T09:00")))
    with pytest.raises(IntegrityError):
        db.session.flush()
