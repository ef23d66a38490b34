"""The daily report table: kept by the workflow service, equal to a recount and to the live queries."""
import sqlite3
from contextlib import closing
from itertools import cycle

import pytest
from sqlalchemy import column, create_engine, delete, func, select
from sqlalchemy import table as sqltable

from hotline.directory.models import Category
from hotline.extensions import db
from hotline.reports import daily, queries
from hotline.tickets.models import Ticket
from tests.factories import PATHS
from tests.reports.test_metrics import at, city, scope  # noqa: F401  (city: the fixture city)


def table():
    """The table's rows that count anything, handling time rounded off float noise."""
    rows = db.session.scalars(select(daily.ReportDay))
    return {
        tuple(getattr(r, n) for n in daily.KEY): {n: round(getattr(r, n), 6) for n in daily.COUNTERS}
        for r in rows if any(getattr(r, n) for n in daily.COUNTERS)
    }


class Mixed:
    """Categories of two branches of the taxonomy, for filters by a branch and by a leaf."""

    def __init__(self):
        first, second = db.session.scalars(
            select(Category).where(Category.level == 1).order_by(Category.id).limit(2))
        self.branch = first.id
        self.leaves = [self._leaf(first), self._leaf(second)]

    @staticmethod
    def _leaf(root):
        return db.session.scalar(select(Category.id).where(
            Category.level == 3, Category.id.in_(queries.category_ids(root.id))).order_by(Category.id))


@pytest.fixture
def mixed(city, factory):
    """The fixture city and a ticket down every path in March, in other channels, areas and categories.

    One is moved to a category of another branch at dispatch, one to another department.
    """
    m = Mixed()
    combos = cycle([("web", "城东区", m.leaves[0]), ("wechat", None, m.leaves[1]),
                    ("phone", "城东区", None), ("app", "高新区", m.leaves[0])])
    for day, (state, (channel, area, category)) in enumerate(zip(list(PATHS) * 2, combos, strict=False), start=3):
        factory.ticket(state, now=at(3, day % 28 + 1, 9), channel=channel, area=area, category_id=category)
    moved = factory.ticket("received", now=at(3, 10, 9), channel="web", category_id=m.leaves[0])
    factory.act(moved, "dispatcher1", "dispatch", {"department_id": city.water.id,
                                                   "category_id": m.leaves[1]}, now=at(3, 10, 10))
    factory.act(moved, "dept_water", "sign", now=at(3, 10, 11))
    factory.act(moved, "dept_water", "reply", {"result": "已安排抢修恢复供水", "outcome": "resolved"},
                now=at(3, 12, 10))
    db.session.commit()
    return m


def test_table_kept_through_the_service_equals_a_recount(mixed, factory):
    rejected = factory.ticket("replied", now=at(3, 23, 9))
    factory.act(rejected, "dispatcher1", "reject_reply", {"reason": "答复内容不完整"}, now=at(3, 23, 10))
    factory.act(rejected, "dept_housing", "reply", {"result": "已补充完整答复", "outcome": "resolved"},
                now=at(3, 24, 10))
    db.session.commit()
    kept = table()
    daily.rebuild(db.session.connection())
    assert table() == kept
    valid = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.state != "invalid"))
    for cut in daily.CUTS:
        assert sum(counts["received"] for key, counts in kept.items() if key[0] == cut) == valid, cut


def test_rebuild_command_recounts_the_table(city, runner):
    kept = table()
    db.session.execute(delete(daily.ReportDay))
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert table() == kept and kept


REPORTS = {
    "summary": lambda s, c: queries.summary(s, c),
    "league": lambda s, c: queries.league(s, c),
    **{f"trend by {g}": lambda s, c, g=g: queries.trend(s, c, g) for g in queries.GRANULARITIES},
    **{f"categories level {n}": lambda s, c, n=n: queries.by_category(s, c, n) for n in (1, 3)},
    "areas": lambda s, c: queries.by_area(s, c),
}
FILTERS = {
    "none": lambda city, m: {},
    "department": lambda city, m: {"department": city.water},
    "category branch": lambda city, m: {"category_ids": queries.category_ids(m.branch)},
    "category leaf": lambda city, m: {"category_ids": queries.category_ids(m.leaves[1])},
    "area": lambda city, m: {"area": "城东区"},
    "channel": lambda city, m: {"channel": "web"},
}


@pytest.mark.parametrize("filter_name", FILTERS)
def test_daily_table_gives_the_live_figures(city, mixed, work_calendar, monkeypatch, filter_name):
    figures_scope = scope(work_calendar, **FILTERS[filter_name](city, mixed))
    from_table = {}
    for report, compute in REPORTS.items():
        grouping = {"league": "department", "areas": "area"}.get(report, "category" if "categ" in report else None)
        assert queries._daily_cut(figures_scope, queries.Grouping(grouping), work_calendar.tz), report
        from_table[report] = compute(figures_scope, work_calendar)
    monkeypatch.setattr(queries, "_daily_cut", lambda *args: None)
    for report, compute in REPORTS.items():
        assert from_table[report] == compute(figures_scope, work_calendar), report
    assert from_table["summary"]["received"] and from_table["summary"]["dispatched"]


def test_three_dimensions_or_part_of_a_day_count_live(city, work_calendar):
    tz = work_calendar.tz
    two = scope(work_calendar, city.water, channel="web")
    assert queries._daily_cut(two, queries.Grouping(), tz) == "department+channel"
    assert queries._daily_cut(two, queries.Grouping("area"), tz) is None
    hours = queries.Scope(at(3, 2, 9), at(3, 20, 12), at(4, 1, 9))
    assert queries._daily_cut(hours, queries.Grouping(), tz) is None


def test_rebuild_recounts_a_table_older_than_its_latest_counter(city, app, tmp_path):
    """Migration 0012 recounts the table before 0013 adds 协办意见: it counts what that table has."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("a copy of the SQLite file stands for the older schema")
    kept = table()
    older = tmp_path / "0012.db"
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as source, closing(sqlite3.connect(older)) as copy:
        source.backup(copy)
    engine = create_engine(f"sqlite:///{older}")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE assist_opinions")
        connection.exec_driver_sql("ALTER TABLE report_days DROP COLUMN assist_opinions")
        daily.rebuild(connection)
        names = [n for n in daily.COUNTERS if n != "assist_opinions"]
        rows = connection.execute(select(*(column(n) for n in (*daily.KEY, *names))).select_from(
            sqltable("report_days"))).all()
    engine.dispose()
    recounted = {tuple(r[:len(daily.KEY)]): dict(zip(names, r[len(daily.KEY):], strict=True)) for r in rows}
    assert any(counts["assist_opinions"] for counts in kept.values())
    assert {key: {n: round(v, 6) for n, v in counts.items()} for key, counts in recounted.items()
            if any(counts.values())} == {
        (key[0], key[1].isoformat(), *key[2:]): {n: counts[n] for n in names}
        for key, counts in kept.items() if any(counts[n] for n in names)}
