"""The working calendar in chromium: an admin enters New Year's Day 2027 and a make-up working day,
the recompute job runs, and an open ticket's completion due time moves on its page."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from hotline.directory.models import CalendarRecompute
from hotline.extensions import db
from hotline.jobs.runner import run_job
from tests.factories import Factory

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def open_ticket(live_app):
    """A complaint dispatched and signed on Thursday 2026-12-31 10:00: due 2027-01-07 10:00 Mon–Fri."""
    with live_app.app_context():
        ticket = Factory().ticket("accepted", now=datetime(2026, 12, 31, 10, 0, tzinfo=TZ).astimezone(UTC),
                                  type="complaint")
        number = ticket.number
    yield number
    with live_app.app_context():
        db.session.execute(delete(CalendarRecompute))
        db.session.commit()


def set_day(page, day, kind, name):
    page.locator(f'a[data-day="{day}"]').click()
    page.wait_for_selector("#day-form")
    form = page.locator("#day-form")
    form.locator("select[name=kind]").select_option(label=kind)
    form.locator("input[name=name]").fill(name)
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()


def completion_due(page, number):
    page.goto(f"/tickets/{number}")
    return page.locator('#ticket-clocks [data-kind="complete"]').inner_text()


def test_admin_enters_new_years_day_and_the_due_time_moves(page, login, live_app, open_ticket, screenshot):
    login(page, "admin")
    assert "应于 2027-01-07 10:00" in completion_due(page, open_ticket)
    page.goto("/admin/calendar?year=2027")
    assert "尚未录入" in page.locator("#calendar-source").inner_text()
    if datetime.now(TZ).year in (2026, 2027):  # the admins' banner while 2027 has no arrangement
        assert page.locator('[data-calendar-missing="2027"] a').get_attribute("href") == "/admin/calendar?year=2027"
    set_day(page, "2027-01-01", "法定节假日", "元旦")
    assert "2027-01-01 已设为法定节假日" in page.content()
    set_day(page, "2027-01-09", "调休上班", "元旦调休上班")
    entries = page.locator("#calendar-entries").inner_text()
    assert "2027-01-01 星期五 · 元旦" in entries and "2027-01-09 星期六 · 元旦调休上班" in entries
    assert "cal-holiday" in page.locator('td:has(a[data-day="2027-01-01"])').get_attribute("class")
    assert page.locator('[data-calendar-missing="2027"]').count() == 0
    screenshot(page, "admin-calendar")

    assert "应于 2027-01-07 10:00" in completion_due(page, open_ticket), "the job, not the request, recomputes"
    with live_app.app_context():
        outcome = run_job("calendar_recompute", datetime(2027, 1, 2, 9, 0, tzinfo=TZ).astimezone(UTC))
    assert outcome["result"]["tickets"] == 1
    assert "应于 2027-01-08 10:00" in completion_due(page, open_ticket)
    timeline = page.content()
    assert "时限重算" in timeline and "2027-01-07 10:00 → 2027-01-08 10:00" in timeline
