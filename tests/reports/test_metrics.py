"""The fixture city of issue 5: every SPEC §7 figure compared with its hand-computed value."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.accountability.models import AccountabilityRecord
from hotline.extensions import db
from hotline.reports import queries

TZ = ZoneInfo("Asia/Shanghai")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 15, 10, 0, tzinfo=TZ)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


class City:
    """Builds the tickets through the real service, each step at a controlled time."""

    def __init__(self, factory):
        self.factory = factory
        self.housing = factory.department("housing")
        self.water = factory.department("water")

    def ticket(self, created, **fields):
        return self.factory.ticket("received", now=created, **fields)

    def act(self, ticket, who, action, when, **payload):
        self.factory.act(ticket, who, action, payload, now=when)

    def dispatch(self, ticket, when, department=None, assisting=()):
        department = department or self.housing
        self.act(ticket, "dispatcher1", "dispatch", when, department_id=department.id,
                 assisting_department_ids=[d.id for d in assisting])

    def assist(self, ticket, when, who="dept_water"):
        self.act(ticket, who, "assist_reply", when, opinion="供水管网由我单位配合排查")

    def reply(self, ticket, when, who="dept_housing"):
        self.act(ticket, who, "reply", when, result="已现场处理完毕并回复市民", outcome="resolved")

    def revisit(self, ticket, when, satisfaction, resolved=None, **extra):
        self.act(ticket, "revisitor1", "revisit", when, satisfaction=satisfaction,
                 resolved=resolved, **extra)

    def record(self, ticket, assignment, kind, severity):
        db.session.add(AccountabilityRecord(
            ticket_id=ticket.id, assignment_id=assignment.id, department_id=assignment.department_id,
            kind=kind, due_at=getattr(assignment, f"{kind}_due_at"), detected_at=NOW,
            severity=severity,
        ))


@pytest.fixture
def city(factory):
    """Hand-computed March 2026 (no holidays that month); comments give each ticket's part."""
    c = City(factory)
    # T1 answered directly; T2 invalid (not received).
    factory.act(c.ticket(at(3, 2, 9)), "operator1", "answer", {"answer": "已按政策解答"}, now=at(3, 2, 9, 5))
    factory.act(c.ticket(at(3, 2, 9)), "operator1", "invalidate", {"reason": "无声电话"}, now=at(3, 2, 9, 5))

    # T3 replied after its original due (03-09 10:00) but before the extended one (03-12 10:00).
    t3 = c.ticket(at(3, 2, 9, 30))
    c.dispatch(t3, at(3, 2, 10))
    c.act(t3, "dept_housing", "sign", at(3, 2, 11))
    c.act(t3, "dept_housing", "request_extension", at(3, 5, 10), days=3, reason="需协调施工队")
    c.act(t3, "dispatcher1", "approve_extension", at(3, 5, 11))
    c.reply(t3, at(3, 11, 15))
    c.act(t3, "dispatcher1", "approve_reply", at(3, 11, 16))
    c.revisit(t3, at(3, 12, 10), "satisfied", True)

    # T4 signed late, replied after its extended due (03-11 10:00), unsatisfied -> redo,
    # the redo (due 03-20 10:00) replied on time and closed basically satisfied, unresolved.
    # Water assists both spells: one 协办意见 before housing signed, one on the redo.
    t4 = c.ticket(at(3, 2, 9, 30))
    c.dispatch(t4, at(3, 2, 10), assisting=[c.water])
    c.assist(t4, at(3, 2, 15))
    c.act(t4, "dept_housing", "sign", at(3, 3, 11))
    c.act(t4, "dept_housing", "request_extension", at(3, 4, 10), days=2, reason="需协调施工队")
    c.act(t4, "dispatcher1", "approve_extension", at(3, 4, 11))
    c.reply(t4, at(3, 12, 10))
    c.act(t4, "dispatcher1", "approve_reply", at(3, 12, 11))
    c.revisit(t4, at(3, 13, 10), "unsatisfied", False)
    c.act(t4, "dept_housing", "sign", at(3, 13, 14))
    c.assist(t4, at(3, 14, 9))
    c.reply(t4, at(3, 16, 10))
    c.act(t4, "dispatcher1", "approve_reply", at(3, 16, 11))
    c.revisit(t4, at(3, 17, 10), "basically_satisfied", False)

    # T5 never signed nor replied: late on both clocks, in March (due 03-03 and 03-09).
    t5 = c.ticket(at(3, 2, 9, 30))
    c.dispatch(t5, at(3, 2, 10))

    # T6 returned by housing (before any due time), re-dispatched to water, replied on
    # time, then unreachable three times (closed; a revisit, but not a successful one).
    t6 = c.ticket(at(3, 2, 9, 30))
    c.dispatch(t6, at(3, 2, 10))
    c.act(t6, "dept_housing", "request_return", at(3, 2, 14), reason="供水问题不属于本单位")
    c.act(t6, "dispatcher1", "approve_return", at(3, 2, 15))
    c.dispatch(t6, at(3, 2, 16), c.water)
    c.act(t6, "dept_water", "sign", at(3, 3, 9, 30))
    c.reply(t6, at(3, 4, 10), who="dept_water")
    c.act(t6, "dispatcher1", "approve_reply", at(3, 4, 11))
    for day in (5, 6, 9):
        c.revisit(t6, at(3, day, 10), "unreachable")

    # T7 dispatched on 03-31: its deadlines fall in April, so only 派单量 counts it; so does the
    # 协办意见 water gave on 04-01.
    t7 = c.ticket(at(3, 31, 9), type="suggestion")
    c.dispatch(t7, at(3, 31, 10), assisting=[c.water])
    c.act(t7, "dept_housing", "sign", at(3, 31, 11))
    c.assist(t7, at(4, 1, 9))

    # T8 replied on time and approved; one unreachable attempt, revisit still pending.
    t8 = c.ticket(at(3, 16, 9), type="consult")
    c.dispatch(t8, at(3, 16, 10))
    c.act(t8, "dept_housing", "sign", at(3, 16, 10, 30))
    c.reply(t8, at(3, 17, 10))
    c.act(t8, "dispatcher1", "approve_reply", at(3, 17, 11))
    c.revisit(t8, at(3, 18, 10), "unreachable")

    # T9 received in February, due 03-04 10:00 (Saturday 02-28 is a make-up working day
    # after the Spring Festival), replied on time, reply not yet reviewed.
    t9 = c.ticket(at(2, 26, 9))
    c.dispatch(t9, at(2, 26, 10))
    c.act(t9, "dept_housing", "sign", at(2, 26, 11))
    c.reply(t9, at(3, 4, 9))

    # Accountability: T5 severely overdue on completion; T4's late completion has no
    # record yet, only its late signing has one (which does not count for 逾期追责率).
    c.record(t5, t5.assignments[0], "complete", "severely_overdue")
    c.record(t4, t4.assignments[0], "sign", "overdue")
    db.session.commit()
    c.tickets = {n: t for n, t in zip((3, 4, 5, 6, 7, 8, 9), (t3, t4, t5, t6, t7, t8, t9), strict=True)}
    return c


def scope(work_calendar, department=None, **filters):
    start, end = queries.period(*MARCH, work_calendar.tz)
    return queries.Scope(start, end, NOW, department.id if department else None, **filters)


def handling_hours(work_calendar, spells):
    minutes = [work_calendar.working_minutes_between(a.started_at, a.replied_at) for a in spells]
    return round(sum(minutes) / len(minutes) / 60, 2)


def replied_in_march(city):
    start, end = queries.period(*MARCH, TZ)
    return [a for t in city.tickets.values() for a in t.assignments
            if a.replied_at and start <= a.replied_at < end]


def test_summary_matches_hand_computed_figures(city, work_calendar):
    figures = queries.summary(scope(work_calendar), work_calendar)
    expected = {
        "received": 7, "answered": 1, "direct_answer_rate": 1 / 7, "dispatched": 8,
        "sign_on_time_rate": 4 / 6, "on_time_rate": 5 / 7, "overdue": 2, "severely_overdue": 1,
        "accountability_rate": 1 / 2, "revisit_rate": 4 / 5, "satisfaction_rate": 2 / 3,
        "resolution_rate": 1 / 3, "redo_rate": 1 / 4, "return_rate": 1 / 8,
        "average_handling_hours": handling_hours(work_calendar, replied_in_march(city)),
        "assist_opinions": 2,
    }
    assert {k: figures[k] for k in expected} == expected
    assert len(replied_in_march(city)) == figures["counts"]["handled"] == 6


def test_department_filter_counts_only_its_spells(city, work_calendar):
    housing = queries.summary(scope(work_calendar, city.housing), work_calendar)
    assert {k: housing[k] for k in ("received", "answered", "direct_answer_rate", "dispatched",
                                    "sign_on_time_rate", "on_time_rate", "overdue",
                                    "revisit_rate", "satisfaction_rate", "resolution_rate",
                                    "redo_rate", "return_rate", "assist_opinions")} == {
        "received": 5, "answered": 0, "direct_answer_rate": 0.0, "dispatched": 7,
        "sign_on_time_rate": 3 / 5, "on_time_rate": 4 / 6, "overdue": 2,
        "revisit_rate": 3 / 4, "satisfaction_rate": 2 / 3, "resolution_rate": 1 / 3,
        "redo_rate": 1 / 3, "return_rate": 1 / 7, "assist_opinions": 0,
    }
    # Water's 协办意见 count for water, which wrote them, not for housing, which leads.
    water = queries.summary(scope(work_calendar, city.water), work_calendar)
    assert (water["dispatched"], water["on_time_rate"], water["satisfaction_rate"],
            water["resolution_rate"], water["redo_rate"], water["assist_opinions"]) == (1, 1.0, None, None, 0.0, 2)


def test_league_table_ranks_by_score(city, work_calendar):
    rows = queries.league(scope(work_calendar), work_calendar)
    ranked = [(r["code"], r["rank"], r["score"]) for r in rows if r["rank"]]
    # water: on time 1, signed on time 1, no successful revisit -> 100.
    # housing: (0.4·4/6 + 0.3·2/3 + 0.2·1/3 + 0.1·3/5) / 1.0 -> 59.33
    assert ranked == [("water", 1, 100.0), ("housing", 2, 59.33)]
    assert {r["code"]: r["assist_opinions"] for r in rows if r["assist_opinions"]} == {"water": 2}
    unranked = [r for r in rows if r["rank"] is None]
    assert unranked and all(r["dispatched"] == 0 for r in unranked)


def test_later_period_counts_what_fell_due_in_it(city, work_calendar):
    start, end = queries.period(date(2026, 4, 1), date(2026, 4, 30), TZ)
    april = queries.summary(queries.Scope(start, end, NOW), work_calendar)
    # T7: signed on time (due 04-01 10:00); its completion (10 working days) is not yet due.
    assert (april["received"], april["dispatched"], april["sign_on_time_rate"],
            april["on_time_rate"], april["assist_opinions"]) == (0, 0, 1.0, None, 1)


def test_unreplied_spell_becomes_late_only_after_its_due_time(city, work_calendar):
    def overdue(now):
        return queries.summary(queries.Scope(*queries.period(*MARCH, TZ), now), work_calendar)["overdue"]

    # T5's completion falls due on 03-09 10:00; T4's late reply counts at either moment.
    assert (overdue(at(3, 9, 9, 59)), overdue(at(3, 9, 10, 1))) == (1, 2)


def test_trend_puts_each_figure_in_its_bucket(city, work_calendar):
    rows = {r["bucket"]: r for r in queries.trend(scope(work_calendar), work_calendar, "week")}
    assert list(rows)[:2] == ["2026-02-23", "2026-03-02"]
    assert rows["2026-03-02"]["received"] == 5
    # Week of 03-09: T5 late (due 03-09), T6 on time (due 03-09 16:00), T3 on time (03-12),
    # T4 late (03-11) -> 2 of 4.
    assert rows["2026-03-09"]["on_time_rate"] == 2 / 4
    assert sum(r["dispatched"] for r in rows.values()) == 8


def test_categories_and_areas_add_up_to_the_summary(city, work_calendar):
    total = queries.summary(scope(work_calendar), work_calendar)
    areas = queries.by_area(scope(work_calendar), work_calendar)
    assert sum(r["received"] for r in areas) == total["received"]
    assert [r["name"] for r in areas] == ["城西区"]
    categories = queries.by_category(scope(work_calendar), work_calendar, 1)
    assert [r["name"] for r in categories] == ["未分类"]
    assert categories[0]["counts"] == total["counts"]


def test_channel_filter_excludes_other_channels(city, work_calendar):
    figures = queries.summary(scope(work_calendar, channel="web"), work_calendar)
    assert (figures["received"], figures["dispatched"], figures["on_time_rate"]) == (0, 0, None)


def test_overdue_list_holds_the_late_spells(city, work_calendar):
    rows = queries.overdue_list(scope(work_calendar), 100)
    assert [(r["number"], r["severity"]) for r in rows] == [
        (city.tickets[5].number, "severely_overdue"), (city.tickets[4].number, None)]
