"""Working-time arithmetic and the clock model (SPEC §4); pure, no database.

A ticket with a department runs up to four clocks (CLOCK_KINDS), each stored on the ticket as
`<kind>_warn_at`, `<kind>_due_at` and `<kind>_severe_at`, plus `<kind>_level` (the LEVELS index
the deadline sweep has acted on) and `<kind>_next_at` (when the sweep must look again). The
functions below read those attributes from any object that has them: an ORM ticket or a row.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

LEVELS = ("on_time", "warning", "overdue", "severely_overdue")
CLOCK_KINDS = ("sign", "contact", "onsite", "complete")
EDGES = ("warn", "due", "severe")  # EDGES[n]: where a clock at LEVELS[n] crosses the next level
# What stops each clock; closing the ticket (closed_at) stops them all.
STOPPED_BY = {
    "sign": ("signed_at",),
    "contact": ("contacted_at", "replied_at"),
    "onsite": ("onsite_at", "replied_at"),
    "complete": ("replied_at",),
}
WARNING_FRACTION = 0.8
# So many days in a row without work is a data error, not a long holiday.
_MAX_SCAN_DAYS = 366 * 3


def parse_hours(spec):
    """'09:00-12:00,13:30-17:30' -> ((time(9), time(12)), (time(13, 30), time(17, 30)))."""
    ranges = []
    for part in spec.split(","):
        start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
        if not start < end or (ranges and start < ranges[-1][1]):
            raise ValueError(f"working hours must be ascending, non-overlapping ranges: {spec!r}")
        ranges.append((start, end))
    return tuple(ranges)


@dataclass(frozen=True)
class WorkCalendar:
    """Statutory holidays, make-up working days (调休) and daily working hours."""

    holidays: frozenset = frozenset()
    workdays: frozenset = frozenset()
    hours: tuple = parse_hours("09:00-12:00,13:30-17:30")
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def is_working_day(self, day):
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() < 5

    @property
    def minutes_per_day(self):
        return sum(_minutes(a, b) for a, b in self.hours)

    def _intervals(self, start_day):
        """Working intervals (local aware datetimes) from start_day onwards, without end."""
        day, idle = start_day, 0
        while idle < _MAX_SCAN_DAYS:
            if self.is_working_day(day):
                idle = 0
                for a, b in self.hours:
                    yield (datetime.combine(day, a, self.tz), datetime.combine(day, b, self.tz))
            else:
                idle += 1
            day += timedelta(days=1)
        raise ValueError("calendar has no working day in three years")

    def add_working_minutes(self, start, minutes):
        """The earliest instant at which `minutes` working minutes have passed since start."""
        cursor = start.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        for a, b in self._intervals(cursor.date()):
            if cursor >= b:
                continue
            cursor = max(cursor, a)
            if remaining <= b - cursor:
                return (cursor + remaining).astimezone(start.tzinfo)
            remaining -= b - cursor

    def add_working_days(self, start, days):
        return self.add_working_minutes(start, days * self.minutes_per_day)

    def working_minutes_between(self, start, end):
        if end <= start:
            return 0
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        for a, b in self._intervals(start.date()):
            if a >= end:
                break
            overlap = min(b, end) - max(a, start)
            if overlap > timedelta():
                total += overlap
        return total.total_seconds() / 60


def _minutes(a, b):
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # clock_minutes | working_minutes | working_days

    def working_minutes(self, calendar):
        if self.unit == "working_days":
            return self.amount * calendar.minutes_per_day
        return self.amount

    def due(self, calendar, start):
        return self.fraction(calendar, start, 1)

    def fraction(self, calendar, start, share):
        if self.unit == "clock_minutes":
            return start + timedelta(minutes=self.amount * share)
        return calendar.add_working_minutes(start, self.working_minutes(calendar) * share)

    def extended(self, days):
        if self.unit != "working_days":
            raise ValueError("only working-day limits can be extended")
        return Limit(self.amount + days, self.unit)


@dataclass(frozen=True)
class Clock:
    """One deadline with its warning and severe-lateness thresholds."""

    warn_at: datetime
    due_at: datetime
    severe_at: datetime

    def level(self, now, met_at=None):
        at = met_at or now
        if at >= self.severe_at:
            return "severely_overdue"
        if at > self.due_at or (met_at is None and at >= self.due_at):
            return "overdue"
        if met_at is None and at >= self.warn_at:
            return "warning"
        return "on_time"


def make_clock(calendar, start, limit, severe_after_days):
    due = limit.due(calendar, start)
    return Clock(
        warn_at=limit.fraction(calendar, start, WARNING_FRACTION),
        due_at=due,
        severe_at=calendar.add_working_days(due, severe_after_days),
    )


@dataclass(frozen=True)
class Policy:
    """Time limits for one urgency and type; contact and on-site apply to emergencies."""

    sign: Limit
    complete: Limit
    contact: Limit | None = None
    onsite: Limit | None = None


def clocks_for(policy, calendar, start, severe_after_days, extension_days=0):
    """All clocks that start at dispatch; kinds the policy has no limit for are absent."""
    limits = {
        "sign": policy.sign,
        "contact": policy.contact,
        "onsite": policy.onsite,
        "complete": policy.complete.extended(extension_days) if extension_days else policy.complete,
    }
    return {
        kind: make_clock(calendar, start, limit, severe_after_days)
        for kind, limit in limits.items()
        if limit is not None
    }


def worst(levels):
    return max(levels, key=LEVELS.index, default="on_time")


def clock_of(ticket, kind):
    """The ticket's clock of one kind, or None when the policy sets no such limit."""
    if getattr(ticket, f"{kind}_due_at") is None:
        return None
    return Clock(*(getattr(ticket, f"{kind}_{edge}_at") for edge in EDGES))


def clocks_of(ticket):
    return {kind: clock for kind in CLOCK_KINDS if (clock := clock_of(ticket, kind)) is not None}


def stopped_at(ticket, kind, ignore=()):
    """When the clock stopped (its step done, or the ticket closed); None while it runs."""
    moments = [getattr(ticket, name) for name in STOPPED_BY[kind] if name not in ignore]
    return min((m for m in moments + [ticket.closed_at] if m is not None), default=None)


def next_crossing(clock, level):
    """When a clock that reached LEVELS[level] crosses the next level; None after the last."""
    return getattr(clock, f"{EDGES[level]}_at") if level < len(EDGES) else None


def lateness(ticket, now):
    """The worst level over the ticket's clocks, each judged when it stopped or else at `now`."""
    return worst(clock.level(now, stopped_at(ticket, kind)) for kind, clock in clocks_of(ticket).items())


def sweep_marks(ticket, clocks):
    """The sweep bookkeeping for clocks about to replace the ticket's: {column: value}.

    A replaced clock (dispatch, redo, extension, approved return) starts again from on_time,
    to be looked at when it warns; a clock that stays as it was keeps its marks.
    """
    marks = {}
    for kind in CLOCK_KINDS:
        new = clocks.get(kind)
        warn_at = new.warn_at if new else None
        if warn_at != getattr(ticket, f"{kind}_warn_at"):
            marks[f"{kind}_level"], marks[f"{kind}_next_at"] = 0, warn_at
    return marks


def resumed_marks(ticket):
    """{column: value} that restart, from the level they had, the clocks a withdrawn reply
    (退回重办) had stopped; call it once the reply is withdrawn."""
    marks = {}
    for kind, stoppers in STOPPED_BY.items():
        clock = clock_of(ticket, kind)
        if ("replied_at" in stoppers and clock is not None
                and getattr(ticket, f"{kind}_next_at") is None and stopped_at(ticket, kind) is None):
            marks[f"{kind}_next_at"] = next_crossing(clock, getattr(ticket, f"{kind}_level"))
    return marks

