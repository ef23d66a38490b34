"""The calendar table, its seeding by `setup`, the time-limit policies and the cached calendar."""
from datetime import UTC, date, datetime

import chinese_calendar
import pytest
from sqlalchemy import func, select

from hotline import cli
from hotline.directory import calendar
from hotline.directory.models import CalendarDay, CalendarYear, TimeLimitPolicy
from hotline.extensions import db
from hotline.tickets.deadlines import Limit, Policy
from hotline.timeutil import utcnow

PACKAGE_YEARS = set(range(2004, 2027))  # chinesecalendar 1.11.0 knows 2004..2026
TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (CalendarDay, CalendarYear, TimeLimitPolicy))


def days_of_kind(kind):
    return set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.kind == kind)))


def test_setup_seeded_every_year_the_package_knows(ctx):
    years = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.source == "package")))
    assert years == PACKAGE_YEARS
    assert {d.year for d in chinese_calendar.holidays} == PACKAGE_YEARS
    assert days_of_kind("holiday") == set(chinese_calendar.holidays)
    assert days_of_kind("workday") == {d for d in chinese_calendar.workdays if d.weekday() >= 5}
    assert {date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)} \
        <= days_of_kind("workday")
    spring = db.session.get(CalendarDay, date(2026, 2, 17))
    assert (spring.kind, spring.name, spring.source) == ("holiday", "Spring Festival", "package")


def test_setup_again_adds_nothing_and_succeeds(app, runner):
    with app.app_context():
        before = counts()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "新增节假日年份：无" in result.stdout
    assert "新增时限策略：0 条" in result.stdout
    with app.app_context():
        assert counts() == before
        assert before[2] == len(calendar.DEFAULT_POLICIES)


@pytest.fixture
def today_in_late_2026(monkeypatch):
    monkeypatch.setattr(cli, "utcnow", lambda: datetime(2026, 11, 27, 4, 0, tzinfo=UTC))


def test_setup_warns_about_a_year_without_holiday_data(runner, today_in_late_2026):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "警告" in result.stderr
    assert "2027" in result.stderr
    assert "2026" not in result.stderr
    assert "警告" not in result.stdout


def test_setup_stops_warning_once_an_admin_entered_the_year(app, runner, today_in_late_2026):
    with app.app_context():
        db.session.add(CalendarYear(year=2027, source="admin"))
        db.session.commit()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "警告" not in result.output


@pytest.mark.parametrize("today, ahead, missing", [
    (date(2026, 11, 27), 1, [2027]),
    (date(2026, 1, 1), 2, [2027, 2028]),
    (date(2025, 6, 1), 1, []),
    (date(2030, 6, 1), 0, [2030]),
])
def test_missing_years(ctx, today, ahead, missing):
    assert calendar.missing_years(today, ahead=ahead) == missing


EMERGENCY = Policy(sign=Limit(30, "clock_minutes"), complete=Limit(3, "working_days"),
                   contact=Limit(60, "clock_minutes"), onsite=Limit(120, "clock_minutes"))
URGENT = Policy(sign=Limit(120, "working_minutes"), complete=Limit(2, "working_days"))
NORMAL_COMPLETE_DAYS = {"consult": 3, "help": 3, "complaint": 5, "report": 5,
                        "suggestion": 10, "praise": 10}


@pytest.mark.parametrize("ticket_type", TYPES)
def test_policy_for_gives_spec_defaults(ctx, ticket_type):
    assert calendar.policy_for("emergency", ticket_type) == EMERGENCY
    assert calendar.policy_for("urgent", ticket_type) == URGENT
    assert calendar.policy_for("normal", ticket_type) == Policy(
        sign=Limit(1, "working_days"),
        complete=Limit(NORMAL_COMPLETE_DAYS[ticket_type], "working_days"),
    )


@pytest.mark.parametrize("urgency, ticket_type", [("critical", "complaint"), ("", "consult"),
                                                  ("normal", "unknown")])
def test_policy_for_unknown_urgency_or_type_raises_lookup_error(ctx, urgency, ticket_type):
    with pytest.raises(LookupError, match="no time-limit policy"):
        calendar.policy_for(urgency, ticket_type)


def test_work_calendar_matches_the_package(ctx):
    work = calendar.work_calendar()
    assert work.holidays == frozenset(chinese_calendar.holidays)
    assert work.workdays == frozenset(d for d in chinese_calendar.workdays if d.weekday() >= 5)
    assert work.minutes_per_day == 420
    assert str(work.tz) == "Asia/Shanghai"


def add_admin_day(day, kind):
    db.session.add(CalendarDay(day=day, kind=kind, name="管理员录入", source="admin"))
    year = db.session.get(CalendarYear, day.year)
    if year is None:
        db.session.add(CalendarYear(year=day.year, source="admin"))
    else:
        year.updated_at, year.source = utcnow(), "admin"
    db.session.commit()


def test_work_calendar_picks_up_an_admin_holiday_without_restart(ctx):
    new_year, make_up = date(2027, 1, 1), date(2027, 1, 9)  # a Friday and a Saturday
    before = calendar.work_calendar()
    assert before.is_working_day(new_year) and not before.is_working_day(make_up)

    add_admin_day(new_year, "holiday")  # a new year row: the year count changes
    assert not calendar.work_calendar().is_working_day(new_year)
    assert calendar.missing_years(date(2026, 11, 27)) == []

    add_admin_day(make_up, "workday")   # the same year again: only updated_at changes
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == \
        len(PACKAGE_YEARS) + 1
    assert calendar.work_calendar().is_working_day(make_up)


def test_work_calendar_is_cached_until_the_calendar_changes(ctx):
    assert calendar.work_calendar() is calendar.work_calendar()
