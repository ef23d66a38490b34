"""Working-time arithmetic (SPEC §4) against hand-computed Asia/Shanghai datetimes; no app."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from hotline.tickets.deadlines import (
    Clock,
    Limit,
    Policy,
    WorkCalendar,
    clocks_for,
    make_clock,
    parse_hours,
    worst,
)

SH = ZoneInfo("Asia/Shanghai")
CN = WorkCalendar(
    holidays=frozenset(chinese_calendar.holidays),
    workdays=frozenset(d for d in chinese_calendar.workdays if d.weekday() >= 5),
)
PLAIN = WorkCalendar()  # Monday–Friday only, as for a year with no holiday data
SEVERE_AFTER = 5

EMERGENCY = Policy(sign=Limit(30, "clock_minutes"), complete=Limit(3, "working_days"),
                   contact=Limit(60, "clock_minutes"), onsite=Limit(120, "clock_minutes"))
URGENT = Policy(sign=Limit(120, "working_minutes"), complete=Limit(2, "working_days"))
COMPLAINT = Policy(sign=Limit(1, "working_days"), complete=Limit(5, "working_days"))


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def due_times(clocks):
    return {kind: clock.due_at for kind, clock in clocks.items()}


def test_default_working_hours_make_a_seven_hour_day():
    assert CN.hours == parse_hours("09:00-12:00,13:30-17:30")
    assert CN.minutes_per_day == 420


def test_normal_complaint_dispatched_on_a_weekday_morning():
    # Tuesday 2026-03-10 10:00; March 2026 has no holidays.
    clocks = clocks_for(COMPLAINT, CN, at(2026, 3, 10, 10), SEVERE_AFTER)
    assert clocks["sign"] == Clock(
        warn_at=at(2026, 3, 10, 17, 6),   # 120 + 216 of 336 minutes
        due_at=at(2026, 3, 11, 10),
        severe_at=at(2026, 3, 18, 10),
    )
    assert clocks["complete"] == Clock(
        warn_at=at(2026, 3, 16, 10),      # 4 of 5 days, over the weekend
        due_at=at(2026, 3, 17, 10),
        severe_at=at(2026, 3, 24, 10),
    )
    assert set(clocks) == {"sign", "complete"}


def test_ticket_received_late_on_friday_starts_on_monday_morning():
    friday_night = at(2026, 3, 13, 23, 50)
    assert CN.add_working_minutes(friday_night, 0) == at(2026, 3, 16, 9)
    assert CN.add_working_minutes(friday_night, 1) == at(2026, 3, 16, 9, 1)
    clocks = clocks_for(COMPLAINT, CN, friday_night, SEVERE_AFTER)
    assert due_times(clocks) == {"sign": at(2026, 3, 16, 17, 30),
                                 "complete": at(2026, 3, 20, 17, 30)}


def test_ticket_dispatched_in_the_lunch_break_starts_at_half_past_one():
    lunch = at(2026, 3, 11, 12, 40)
    assert CN.add_working_minutes(lunch, 0) == at(2026, 3, 11, 13, 30)
    assert due_times(clocks_for(COMPLAINT, CN, lunch, SEVERE_AFTER)) == {
        "sign": at(2026, 3, 12, 12),  # 240 min that afternoon, 180 the next morning
        "complete": at(2026, 3, 18, 12),
    }
    assert clocks_for(URGENT, CN, lunch, SEVERE_AFTER)["sign"].due_at == at(2026, 3, 11, 15, 30)


def test_emergency_at_three_in_the_morning_counts_clock_time_except_completion():
    # Saturday 03:00: sign/contact/on-site run on the clock, completion on working days.
    clocks = clocks_for(EMERGENCY, CN, at(2026, 3, 14, 3), SEVERE_AFTER)
    assert clocks == {
        "sign": Clock(at(2026, 3, 14, 3, 24), at(2026, 3, 14, 3, 30), at(2026, 3, 20, 17, 30)),
        "contact": Clock(at(2026, 3, 14, 3, 48), at(2026, 3, 14, 4), at(2026, 3, 20, 17, 30)),
        "onsite": Clock(at(2026, 3, 14, 4, 36), at(2026, 3, 14, 5), at(2026, 3, 20, 17, 30)),
        "complete": Clock(at(2026, 3, 18, 11, 48), at(2026, 3, 18, 17, 30),
                          at(2026, 3, 25, 17, 30)),
    }


def test_emergency_on_a_weekday_night_completes_in_three_working_days():
    clocks = clocks_for(EMERGENCY, CN, at(2026, 3, 10, 3), SEVERE_AFTER)
    assert due_times(clocks) == {
        "sign": at(2026, 3, 10, 3, 30),
        "contact": at(2026, 3, 10, 4),
        "onsite": at(2026, 3, 10, 5),
        "complete": at(2026, 3, 12, 17, 30),
    }


@pytest.mark.parametrize("start, sign_due", [
    (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),          # inside the morning
    (at(2026, 3, 10, 11), at(2026, 3, 10, 14, 30)),     # crosses lunch
    (at(2026, 3, 10, 12, 15), at(2026, 3, 10, 15, 30)),  # starts in lunch
    (at(2026, 3, 10, 16, 45), at(2026, 3, 11, 10, 15)),  # crosses the end of the day
    (at(2026, 3, 13, 17), at(2026, 3, 16, 10, 30)),      # crosses the weekend
    (at(2026, 3, 10, 17, 30), at(2026, 3, 11, 11)),      # starts at closing time
], ids=["morning", "lunch-crossing", "in-lunch", "end-of-day", "weekend", "closing-time"])
def test_urgent_sign_limit_is_two_working_hours(start, sign_due):
    assert clocks_for(URGENT, CN, start, SEVERE_AFTER)["sign"].due_at == sign_due


def test_urgent_ticket_warns_and_completes_in_working_time():
    clocks = clocks_for(URGENT, CN, at(2026, 3, 10, 11), SEVERE_AFTER)
    assert clocks["sign"].warn_at == at(2026, 3, 10, 14, 6)  # 96 min: 60 + 36
    assert clocks["complete"] == Clock(at(2026, 3, 11, 16, 42), at(2026, 3, 12, 11),
                                       at(2026, 3, 19, 11))


@pytest.mark.parametrize("start, days, due", [
    # Spring Festival 2026: holidays 02-15..02-23, make-up Saturdays 02-14 and 02-28.
    (at(2026, 2, 12, 10), 5, at(2026, 2, 26, 10)),   # Fri 13, Sat 14, Tue 24, Wed 25, Thu 26
    (at(2026, 2, 12, 10), 10, at(2026, 3, 4, 10)),   # ... Fri 27, Sat 28, Mon 2, Tue 3, Wed 4
    (at(2026, 2, 18, 10), 1, at(2026, 2, 24, 17, 30)),  # received inside the holiday
    (at(2026, 2, 26, 10), 5, at(2026, 3, 4, 10)),    # Fri 27, Sat 28, Mon 2, Tue 3, Wed 4
    # National Day 2026: 09-25..27 and 10-01..07 off, make-up Sun 09-20 and Sat 10-10.
    (at(2026, 9, 29, 14), 5, at(2026, 10, 12, 14)),  # Wed 30, Thu 8, Fri 9, Sat 10, Mon 12
    (at(2026, 9, 18, 10), 3, at(2026, 9, 22, 10)),   # Sun 20, Mon 21, Tue 22
    (at(2026, 10, 3, 10), 1, at(2026, 10, 8, 17, 30)),
], ids=["spring-5", "spring-10", "spring-inside", "after-spring", "national-5",
        "make-up-sunday", "national-inside"])
def test_working_days_skip_holidays_and_count_make_up_days(start, days, due):
    assert CN.add_working_days(start, days) == due


def test_without_holiday_data_the_spring_festival_counts_as_working_days():
    assert PLAIN.add_working_days(at(2026, 2, 12, 10), 5) == at(2026, 2, 19, 10)


@pytest.mark.parametrize("day, working", [
    (date(2026, 2, 14), True),    # make-up Saturday
    (date(2026, 2, 28), True),    # make-up Saturday
    (date(2026, 9, 20), True),    # make-up Sunday
    (date(2026, 10, 10), True),   # make-up Saturday
    (date(2026, 2, 21), False),   # ordinary Saturday inside the holiday
    (date(2026, 3, 7), False),    # ordinary Saturday
    (date(2026, 2, 16), False),   # Monday of the Spring Festival
    (date(2026, 10, 7), False),   # Wednesday of National Day
    (date(2026, 3, 9), True),     # ordinary Monday
    (date(2027, 1, 1), True),     # no 2027 data yet: Monday–Friday fallback
])
def test_is_working_day_follows_holidays_and_make_up_days(day, working):
    assert CN.is_working_day(day) is working


def test_make_up_saturday_counts_as_a_working_day():
    # Friday 16:00 + 1 day: 90 min on Friday, 330 on make-up Saturday 02-14.
    assert clocks_for(COMPLAINT, CN, at(2026, 2, 13, 16), SEVERE_AFTER)["sign"].due_at == \
        at(2026, 2, 14, 16)
    # A ticket dispatched on that Saturday starts at once, not on Monday.
    assert CN.add_working_minutes(at(2026, 2, 14, 8), 60) == at(2026, 2, 14, 10)
    assert CN.working_minutes_between(at(2026, 2, 14), at(2026, 2, 15)) == 420


@pytest.mark.parametrize("limit, warn, due", [
    (Limit(1, "working_days"), at(2026, 3, 10, 17, 6), at(2026, 3, 11, 10)),
    (Limit(3, "working_days"), at(2026, 3, 12, 14, 18), at(2026, 3, 13, 10)),
    (Limit(5, "working_days"), at(2026, 3, 16, 10), at(2026, 3, 17, 10)),
    (Limit(10, "working_days"), at(2026, 3, 20, 10), at(2026, 3, 24, 10)),
    (Limit(120, "working_minutes"), at(2026, 3, 10, 11, 36), at(2026, 3, 10, 12)),
    (Limit(30, "clock_minutes"), at(2026, 3, 10, 10, 24), at(2026, 3, 10, 10, 30)),
])
def test_warning_comes_when_eighty_percent_of_the_time_is_used(limit, warn, due):
    clock = make_clock(CN, at(2026, 3, 10, 10), limit, SEVERE_AFTER)
    assert (clock.warn_at, clock.due_at) == (warn, due)
    used = CN.working_minutes_between(at(2026, 3, 10, 10), warn)
    if limit.unit != "clock_minutes":
        assert used == 0.8 * limit.working_minutes(CN)


@pytest.mark.parametrize("due, severe", [
    (at(2026, 3, 17, 10), at(2026, 3, 24, 10)),
    (at(2026, 3, 13, 17, 30), at(2026, 3, 20, 17, 30)),
    (at(2026, 3, 14, 3, 30), at(2026, 3, 20, 17, 30)),       # due at night on a Saturday
    (at(2026, 2, 12, 10), at(2026, 2, 26, 10)),              # across the Spring Festival
    (at(2026, 9, 30, 15), at(2026, 10, 13, 15)),             # across National Day
])
def test_severe_lateness_is_five_working_days_after_due(due, severe):
    # A clock-minute limit makes due_at exactly the given instant.
    start = due - timedelta(minutes=30)
    clock = make_clock(CN, start, Limit(30, "clock_minutes"), SEVERE_AFTER)
    assert clock.due_at == due
    assert clock.severe_at == severe


CLOCK = Clock(warn_at=at(2026, 3, 16, 10), due_at=at(2026, 3, 17, 10),
              severe_at=at(2026, 3, 24, 10))
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize("now, met_at, level", [
    (CLOCK.warn_at - MINUTE, None, "on_time"),
    (CLOCK.warn_at, None, "warning"),
    (CLOCK.due_at - MINUTE, None, "warning"),
    (CLOCK.due_at, None, "overdue"),
    (CLOCK.severe_at - MINUTE, None, "overdue"),
    (CLOCK.severe_at, None, "severely_overdue"),
    (CLOCK.severe_at + MINUTE, CLOCK.warn_at - MINUTE, "on_time"),
    (CLOCK.severe_at + MINUTE, CLOCK.warn_at + MINUTE, "on_time"),
    (CLOCK.severe_at + MINUTE, CLOCK.due_at, "on_time"),
    (CLOCK.severe_at + MINUTE, CLOCK.due_at + MINUTE, "overdue"),
    (CLOCK.severe_at + MINUTE, CLOCK.severe_at - MINUTE, "overdue"),
    (CLOCK.severe_at + MINUTE, CLOCK.severe_at, "severely_overdue"),
], ids=["unmet-early", "unmet-at-warning", "unmet-before-due", "unmet-at-due",
        "unmet-before-severe", "unmet-at-severe", "met-early", "met-in-warning",
        "met-at-due", "met-after-due", "met-before-severe", "met-at-severe"])
def test_clock_level(now, met_at, level):
    assert CLOCK.level(now, met_at=met_at) == level


def test_worst_level_wins():
    assert worst(["on_time", "severely_overdue", "warning"]) == "severely_overdue"
    assert worst(["warning", "on_time"]) == "warning"
    assert worst([]) == "on_time"


@pytest.mark.parametrize("start", [
    at(2026, 2, 12, 10), at(2026, 3, 10, 10), at(2026, 3, 11, 12, 40),
    at(2026, 3, 13, 23, 50), at(2026, 9, 29, 14), at(2026, 3, 10, 9),
])
@pytest.mark.parametrize("days", [1, 3, 10])
def test_extension_equals_adding_the_days_to_the_old_due_time(start, days):
    old = Limit(5, "working_days")
    new = old.extended(days)
    assert new == Limit(5 + days, "working_days")
    assert new.due(CN, start) == CN.add_working_days(old.due(CN, start), days)


def test_extended_complete_clock_across_spring_festival():
    clocks = clocks_for(COMPLAINT, CN, at(2026, 2, 12, 10), SEVERE_AFTER, extension_days=3)
    # old due Thu 02-26 10:00 + Fri 27, Sat 28, Mon 2
    assert clocks["complete"].due_at == at(2026, 3, 2, 10)
    assert clocks["sign"].due_at == at(2026, 2, 13, 10)  # only completion is extended


@pytest.mark.parametrize("limit", [Limit(30, "clock_minutes"), Limit(120, "working_minutes")])
def test_only_working_day_limits_can_be_extended(limit):
    with pytest.raises(ValueError, match="working-day"):
        limit.extended(2)


@pytest.mark.parametrize("start, end, minutes", [
    (at(2026, 3, 10, 10), at(2026, 3, 11, 10), 420),
    (at(2026, 3, 13, 23, 50), at(2026, 3, 16, 10), 60),
    (at(2026, 3, 11, 12, 10), at(2026, 3, 11, 13, 40), 10),
    (at(2026, 3, 11, 11), at(2026, 3, 11, 14), 90),
    (at(2026, 2, 13, 9), at(2026, 2, 24, 9), 840),           # Fri + make-up Sat only
    (at(2026, 3, 14, 8), at(2026, 3, 15, 20), 0),            # a plain weekend
    (at(2026, 3, 11, 10), at(2026, 3, 10, 10), 0),           # end before start
    (at(2026, 3, 11, 10), at(2026, 3, 11, 10), 0),
])
def test_working_minutes_between(start, end, minutes):
    assert CN.working_minutes_between(start, end) == minutes


def test_working_minutes_between_inverts_add_working_minutes():
    start = at(2026, 2, 12, 11, 7)
    for minutes in (1, 53, 420, 1000, 4321):
        assert CN.working_minutes_between(start, CN.add_working_minutes(start, minutes)) == minutes


def test_utc_input_is_computed_in_shanghai_time_and_returned_in_utc():
    start = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    due = CN.add_working_days(start, 1)
    assert due == at(2026, 3, 11, 10)
    assert due.tzinfo == UTC
    assert CN.working_minutes_between(start, datetime(2026, 3, 10, 4, 0, tzinfo=UTC)) == 120


def test_parse_hours_accepts_other_working_hours():
    hours = parse_hours(" 08:30-12:00 , 14:00-18:00 ")
    calendar = WorkCalendar(hours=hours)
    assert calendar.minutes_per_day == 450
    assert calendar.add_working_minutes(at(2026, 3, 10, 11), 90) == at(2026, 3, 10, 14, 30)
    assert parse_hours("09:00-12:00,12:00-13:00")[1][0].hour == 12  # touching ranges are fine


@pytest.mark.parametrize("spec", [
    "12:00-09:00",                 # reversed
    "09:00-09:00",                 # empty
    "13:30-17:30,09:00-12:00",     # out of order
    "09:00-12:00,11:30-17:30",     # overlapping
    "",
    "09:00",
    "09:00-12:00-13:00",
    "9点-12点",
])
def test_parse_hours_rejects_bad_specs(spec):
    with pytest.raises(ValueError):
        parse_hours(spec)


def test_calendar_with_no_working_day_raises():
    first = date(2026, 1, 1)
    every_day = frozenset(first + timedelta(days=i) for i in range(366 * 4))
    calendar = WorkCalendar(holidays=every_day)
    with pytest.raises(ValueError, match="no working day"):
        calendar.add_working_minutes(at(2026, 3, 10, 10), 60)
    with pytest.raises(ValueError, match="no working day"):
        calendar.working_minutes_between(at(2026, 3, 10, 10), at(2026, 3, 11, 10))
