"""The daily report table: kept by the workflow service, equal to a recount and to the live queries."""
import pytest
from sqlalchemy import delete, func, select

from hotline.extensions import db
from hotline.reports import daily, queries
from hotline.tickets.models import Ticket
from tests.factories import PATHS
from tests.reports.test_metrics import at, city, scope  # noqa: F401  (city: the fixture city)


def table():
    """The table's rows that count anything, handling time rounded off float noise."""
    rows = db.session.scalars(select(daily.ReportDay))
    return {
        (r.day, r.department_id): {n: round(getattr(r, n), 6) for n in daily.COUNTERS}
        for r in rows if any(getattr(r, n) for n in daily.COUNTERS)
    }


def test_table_kept_through_the_service_equals_a_recount(city, factory):
    for state in PATHS:
        factory.ticket(state, now=at(3, 20, 9))
    rejected = factory.ticket("replied", now=at(3, 23, 9))
    factory.act(rejected, "dispatcher1", "reject_reply", {"reason": "答复内容不完整"}, now=at(3, 23, 10))
    factory.act(rejected, "dept_housing", "reply", {"result": "已补充完整答复", "outcome": "resolved"},
                now=at(3, 24, 10))
    db.session.commit()
    kept = table()
    daily.rebuild(db.session.connection())
    assert table() == kept
    valid = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.state != "invalid"))
    assert sum(counts["received"] for counts in kept.values()) == valid


def test_rebuild_command_recounts_the_table(city, runner):
    kept = table()
    db.session.execute(delete(daily.ReportDay))
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert table() == kept and kept


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_daily_table_gives_the_live_figures(city, work_calendar, granularity):
    # Every fixture ticket came by phone: the channel filter changes nothing but sends the
    # reports down the live queries instead of the daily table.
    live = scope(work_calendar, channel="phone")
    assert queries.trend(scope(work_calendar), work_calendar, granularity) == queries.trend(
        live, work_calendar, granularity)
    assert queries.league(scope(work_calendar), work_calendar) == queries.league(live, work_calendar)
    for department in (city.housing, city.water):
        assert queries.summary(scope(work_calendar, department), work_calendar) == queries.summary(
            scope(work_calendar, department, channel="phone"), work_calendar)
