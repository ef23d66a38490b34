"""Read-only SQL aggregates behind every report figure (definitions in definitions.py).

Each family of figures is one GROUP BY query over the table that records it, restricted
to the family's own period column: tickets by creation, dispatch spells (assignments) by
start, by sign due time, by completion due time, by reply and by revisit. Python only
adds up the per-group counters and divides; it never walks tickets.

Whole local days read the daily table (daily.py) instead: the one cut of it that keeps
exactly the dimensions the report filters or groups by, plus the two deadline families over
their late spells only, which are few and which the clock and the deadline sweep keep
changing. Only a report needing three dimensions or more, or part of a day, counts live.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, Integer, Time, and_, case, cast, extract, func, literal, or_, select, true

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.models import Category, Department
from hotline.reports import daily
from hotline.reports.daily import COUNTERS, ReportDay
from hotline.reports.definitions import SATISFIED, SCORE_WEIGHTS
from hotline.reports.indexes import LATE, SIGN_LATE
from hotline.reports.replica import reading
from hotline.tickets.models import Assignment, AssistOpinion, Revisit, Ticket
from hotline.tickets.workflow import State
from hotline.timeutil import UTCDateTime

A, T, R, AR, OP = Assignment, Ticket, Revisit, AccountabilityRecord, AssistOpinion
GRANULARITIES = ("day", "week", "month")


@dataclass(frozen=True)
class Scope:
    """A report's period [start, end) in UTC, its filters and the moment it is judged at."""

    start: datetime
    end: datetime
    now: datetime
    department_id: int | None = None
    category_ids: tuple | None = None
    area: str | None = None
    channel: str | None = None
    is_enterprise: bool | None = None

    def without_department(self):
        return replace(self, department_id=None)


def period(date_from, date_to, tz):
    """Local calendar days date_from..date_to (inclusive) as a UTC half-open interval."""
    start = datetime.combine(date_from, time(), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(), tz)
    return start, end


def category_ids(category_id):
    """The category and all its descendants (the taxonomy is small: a few hundred rows)."""
    rows = reading().execute(select(Category.id, Category.parent_id)).all()
    children = defaultdict(list)
    for child, parent in rows:
        children[parent].append(child)
    found, stack = [], [category_id]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children[node])
    return tuple(found)


# --- dialect-specific local time ------------------------------------------------------

class LocalTime:
    """Local days, buckets and minutes of the day in SQL, for SQLite and PostgreSQL."""

    def __init__(self, calendar, when):
        self.calendar = calendar
        self.sqlite = reading().get_bind().dialect.name == "sqlite"
        # SQLite has no time zones: shift by the zone's offset, which for Asia/Shanghai
        # (no daylight saving since 1991) is the same all year.
        offset = calendar.tz.utcoffset(when.replace(tzinfo=None))
        self.modifier = f"{int(offset.total_seconds() // 60):+d} minutes"

    def bucket(self, column, granularity="day"):
        if self.sqlite:
            forms = {
                "day": func.date(column, self.modifier),
                "week": func.date(column, self.modifier, "weekday 0", "-6 days"),
                "month": func.strftime("%Y-%m-01", column, self.modifier),
            }
            return forms[granularity]
        local = func.timezone(self.calendar.tz.key, column)
        return cast(func.date_trunc(granularity, local), Date)

    def minute_of_day(self, column):
        if self.sqlite:
            return (func.julianday(column, self.modifier)
                    - func.julianday(func.date(column, self.modifier))) * 1440
        return extract("epoch", cast(func.timezone(self.calendar.tz.key, column), Time)) / 60

    def working_minutes_of_day(self, column):
        """Working minutes of the local day elapsed at `column`, as if the day were a working day."""
        minute = self.minute_of_day(column)
        least, greatest = (func.min, func.max) if self.sqlite else (func.least, func.greatest)
        parts = []
        for a, b in self.calendar.hours:
            lo, hi = a.hour * 60 + a.minute, b.hour * 60 + b.minute
            parts.append(least(greatest(minute - lo, 0), hi - lo))
        return sum(parts[1:], parts[0])


def as_day(value):
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(
        str(value)[:10])


# --- the families of counters ---------------------------------------------------------

@dataclass
class Family:
    """One GROUP BY query: where it reads, which column dates it, which column is its department.

    `counted` maps each counter to the condition a row meets to count in it (None: every row).
    `late` marks a deadline family: its spells that are not late are in the daily table.
    """

    source: object
    period_column: object
    department_column: object
    counted: dict
    conditions: list = field(default_factory=list)
    needs_ticket: bool = False
    late: object = None

    @property
    def counters(self):
        return {name: func.count() if condition is None else func.count(case((condition, 1)))
                for name, condition in self.counted.items()}

    def late_part(self):
        return Family(self.source, self.period_column, self.department_column, self.counted,
                      [*self.conditions, self.late], self.needs_ticket)


def _ended_or(now):
    return func.coalesce(A.ended_at, literal(now, UTCDateTime()))


COMPLETE_RECORD = and_(AR.assignment_id == A.id, AR.kind == "complete")


def _completion_counted(now):
    """Replied, or unreplied while the spell was open past its due time (SPEC §7)."""
    return or_(A.replied_at.is_not(None), A.complete_due_at < _ended_or(now))


def _families(now):
    final_revisit = and_(R.ticket_id == A.ticket_id, R.created_at == A.ended_at, R.outcome != "retry")
    reached = R.satisfaction != "unreachable"
    return [
        Family(T, T.created_at, T.final_department_id, {
            "received": None,
            "answered": T.state == State.ANSWERED,
        }, [T.state != State.INVALID]),
        Family(A.__table__, A.started_at, A.department_id, {
            "dispatched": None,
            "returned": A.end_reason == "returned",
        }),
        # A spell that ended (returned, merged) before its due time had no chance to be late.
        Family(A.__table__, A.sign_due_at, A.department_id, {
            "sign_counted": None,
            "sign_on_time": A.signed_at <= A.sign_due_at,
        }, [or_(A.signed_at.is_not(None), A.sign_due_at < _ended_or(now))], late=SIGN_LATE),
        Family(A.__table__.outerjoin(AR, COMPLETE_RECORD), A.complete_due_at, A.department_id, {
            "complete_counted": None,
            "on_time": A.replied_at <= A.complete_due_at,
            "overdue": LATE,
            "accountable": and_(LATE, AR.id.is_not(None)),
            "severely_overdue": and_(LATE, AR.severity == "severely_overdue"),
        }, [_completion_counted(now)], late=LATE),
        # The revisit that ended a spell is stamped with the same instant as its end.
        Family(A.__table__.join(R, final_revisit), A.ended_at, A.department_id, {
            "revisits": None,
            "satisfied": R.satisfaction.in_(SATISFIED),
            "unsatisfied": R.satisfaction == "unsatisfied",
            "reached": reached,
            "resolved": and_(reached, R.resolved == true()),
            "redos": R.outcome == "redo",
        }, [A.end_reason == "revisited"]),
        Family(A.__table__, A.replied_at, A.department_id, {
            "approved": None,
            "revisited": A.end_reason == "revisited",
        }, [or_(A.end_reason == "revisited",
                and_(A.ended_at.is_(None), T.state == State.PENDING_REVISIT))], needs_ticket=True),
        # 协办意见 by the day written, under the assisting department that wrote them.
        Family(OP.__table__.join(A.__table__, A.id == OP.assignment_id), OP.created_at, OP.department_id, {
            "assist_opinions": None,
        }),
    ]


# The spells behind 平均办理时长, which _add_handling sums up in its own way.
HANDLED = Family(A.__table__, A.replied_at, A.department_id, {"handled": None}, [A.replied_at.is_not(None)])


class Grouping:
    """What rows a report has: one total, or one per department, category, area or time bucket."""

    def __init__(self, kind=None, local=None, granularity="day"):
        self.kind, self.local, self.granularity = kind, local, granularity

    @property
    def needs_ticket(self):
        return self.kind in ("category", "area")

    @property
    def dimension(self):
        """The daily table's dimension this grouping needs, if any."""
        return {"department": "department", "category": "category", "area": "area"}.get(self.kind)

    def daily_key(self):
        """The daily table's column for this grouping."""
        D = ReportDay
        return {None: literal("all"), "department": D.department_id, "trend": D.day,
                "category": D.category_id, "area": D.area}[self.kind]

    def normal(self, key):
        """A trend key as its bucket's first day, whichever driver or table it came from."""
        return bucket_start(as_day(key), self.granularity) if self.kind == "trend" else key

    def daily_normal(self, key):
        """A daily-table key as the live queries give it: blank category or area is None."""
        if self.kind in ("category", "area") and key in (0, ""):
            return None
        return self.normal(key)

    def key(self, family_period, family_department):
        if self.kind == "department":
            return family_department
        if self.kind == "category":
            return T.category_id
        if self.kind == "area":
            return T.area
        if self.kind == "trend":
            return self.local.bucket(family_period, self.granularity)
        return literal("all")


def _restrict(stmt, scope, period_column, department_column):
    stmt = stmt.where(period_column >= scope.start, period_column < scope.end)
    if scope.department_id is not None:
        stmt = stmt.where(department_column == scope.department_id)
    if scope.category_ids is not None:
        stmt = stmt.where(T.category_id.in_(scope.category_ids))
    if scope.area is not None:
        stmt = stmt.where(T.area == scope.area)
    if scope.channel is not None:
        stmt = stmt.where(T.channel == scope.channel)
    if scope.is_enterprise is not None:
        stmt = stmt.where(T.is_enterprise == scope.is_enterprise)
    return stmt


def _ticket_filtered(scope):
    return any(v is not None for v in (scope.category_ids, scope.area, scope.channel, scope.is_enterprise))


def _source(source, needs_ticket, scope, grouping):
    """The FROM clause, joined to tickets only when a filter or grouping reads them."""
    if source is T:
        return T.__table__
    if needs_ticket or grouping.needs_ticket or _ticket_filtered(scope):
        source = source.join(T, T.id == A.ticket_id)
    return source


def _counters(scope, grouping, local):
    """{group key: Counter of every family's counters} for the scope."""
    families = _families(scope.now)
    cut = _daily_cut(scope, grouping, local.calendar.tz)
    if cut is not None:
        result = _daily_counters(scope, grouping, local.calendar.tz, cut)
        families = [family.late_part() for family in families if family.late is not None]
    else:
        result = defaultdict(Counter)
        _add_handling(result, scope, grouping, local)
    for family in families:
        key = grouping.key(family.period_column, family.department_column).label("key")
        stmt = select(key, *(c.label(n) for n, c in family.counters.items()))
        source = _source(family.source, family.needs_ticket, scope, grouping)
        stmt = stmt.select_from(source).where(*family.conditions)
        stmt = _restrict(stmt, scope, family.period_column, family.department_column)
        for row in reading().execute(stmt.group_by(key)).mappings():
            result[grouping.normal(row["key"])].update({n: row[n] for n in family.counters})
    return result


def _local_day(moment, tz):
    return moment.astimezone(tz).date()


def _daily_cut(scope, grouping, tz):
    """The cut of the daily table that answers the scope, or None: it holds whole local days only."""
    whole_days = all(moment == datetime.combine(_local_day(moment, tz), time(), tz)
                     for moment in (scope.start, scope.end))
    filters = {"department": scope.department_id, "category": scope.category_ids,
               "area": scope.area, "channel": scope.channel}
    dimensions = {name for name, value in filters.items() if value is not None}
    dimensions.update({grouping.dimension} - {None})
    # The daily table has no 涉企 column: a report filtered by it counts live.
    return daily.cut(dimensions) if whole_days and scope.is_enterprise is None else None


def _daily_counters(scope, grouping, tz, cut):
    """The cut's counters of the scope's days; its on-time spells are counted spells too."""
    D = ReportDay
    key = grouping.daily_key().label("key")
    stmt = (select(key, *(func.sum(D.__table__.c[n]).label(n) for n in COUNTERS))
            .where(D.cut == cut, D.day >= _local_day(scope.start, tz), D.day < _local_day(scope.end, tz))
            .group_by(key))
    if scope.department_id is not None:
        stmt = stmt.where(D.department_id == scope.department_id)
    if scope.category_ids is not None:
        stmt = stmt.where(D.category_id.in_(scope.category_ids))
    if scope.area is not None:
        stmt = stmt.where(D.area == scope.area)
    if scope.channel is not None:
        stmt = stmt.where(D.channel == scope.channel)
    result = defaultdict(Counter)
    for row in reading().execute(stmt).mappings():
        if not any(row[n] for n in COUNTERS):
            continue  # what a ticket no longer counts for leaves its rows at zero
        counter = result[grouping.daily_normal(row["key"])]
        counter.update({n: row[n] for n in COUNTERS})
        counter.update(sign_counted=row["sign_on_time"], complete_counted=row["on_time"])
    return result


def _add_handling(result, scope, grouping, local):
    """Working minutes from dispatch to reply, summed as W(reply) - W(dispatch).

    W(t) = (working days before t's day) × minutes per day + working minutes of t's day up
    to t. The second term is arithmetic on the time of day, done in SQL per row; the first
    depends only on the day, so SQL groups by day and Python adds one term per day.
    """
    calendar = local.calendar
    key = grouping.key(A.replied_at, A.department_id).label("key")
    totals = defaultdict(float)
    per_day = []
    for sign, column in ((1, A.replied_at), (-1, A.started_at)):
        day = local.bucket(column).label("day")
        stmt = select(key, day, func.count().label("n"),
                      func.sum(local.working_minutes_of_day(column)).label("minutes"))
        stmt = stmt.select_from(_source(A.__table__, False, scope, grouping))
        stmt = _restrict(stmt.where(A.replied_at.is_not(None)), scope, A.replied_at, A.department_id)
        rows = reading().execute(stmt.group_by(key, day)).all()
        per_day.extend((sign, grouping.normal(row.key), as_day(row.day), row.n, float(row.minutes))
                       for row in rows)
        if sign == 1:
            for row in rows:
                result[grouping.normal(row.key)]["handled"] += row.n
    if not per_day:
        return
    ordinal = _working_day_ordinals(calendar, min(r[2] for r in per_day), max(r[2] for r in per_day))
    for sign, group, day, n, minutes in per_day:
        within = minutes if calendar.is_working_day(day) else 0
        totals[group] += sign * (n * ordinal[day] * calendar.minutes_per_day + within)
    for group, minutes in totals.items():
        result[group]["handling_minutes"] = minutes


def _working_day_ordinals(calendar, first, last):
    ordinals, count, day = {}, 0, first
    while day <= last:
        ordinals[day] = count
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return ordinals


# --- from counters to figures ---------------------------------------------------------

def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def figures(c):
    """The SPEC §8 summary fields from one group's counters."""
    handled = c["handled"]
    return {
        "received": c["received"],
        "answered": c["answered"],
        "direct_answer_rate": ratio(c["answered"], c["received"]),
        "dispatched": c["dispatched"],
        "sign_on_time_rate": ratio(c["sign_on_time"], c["sign_counted"]),
        "on_time_rate": ratio(c["on_time"], c["complete_counted"]),
        "overdue": c["overdue"],
        "severely_overdue": c["severely_overdue"],
        "accountability_rate": ratio(c["accountable"], c["overdue"]),
        "revisit_rate": ratio(c["revisited"], c["approved"]),
        "satisfaction_rate": ratio(c["satisfied"], c["satisfied"] + c["unsatisfied"]),
        "resolution_rate": ratio(c["resolved"], c["reached"]),
        "redo_rate": ratio(c["redos"], c["revisits"]),
        "return_rate": ratio(c["returned"], c["dispatched"]),
        "average_handling_hours": round(c["handling_minutes"] / handled / 60, 2) if handled else None,
        "assist_opinions": c["assist_opinions"],
    }


COUNTER_NAMES = (
    "received", "answered", "dispatched", "returned", "sign_counted", "sign_on_time",
    "complete_counted", "on_time", "overdue", "accountable", "severely_overdue", "approved",
    "revisited", "revisits", "satisfied", "unsatisfied", "reached", "resolved", "redos", "handled",
    "assist_opinions",
)


def _report_row(counter):
    return {**figures(counter), "counts": {n: counter[n] for n in COUNTER_NAMES}}


def summary(scope, calendar):
    local = LocalTime(calendar, scope.start)
    counters = _counters(scope, Grouping(), local)
    return _report_row(counters.get("all", Counter()))


def score(row):
    weighted = [(w, row[name]) for name, w in SCORE_WEIGHTS.items() if row[name] is not None]
    total = sum(w for w, _ in weighted)
    return round(100 * sum(w * v for w, v in weighted) / total, 2) if total else None


def league(scope, calendar):
    """Every active department's row, ranked; departments without dispatches are unranked."""
    counters = _counters(scope.without_department(), Grouping("department"),
                         LocalTime(calendar, scope.start))
    departments = reading().scalars(select(Department).where(Department.active).order_by(Department.id))
    rows = []
    for department in departments:
        row = _report_row(counters.get(department.id, Counter()))
        row.update(department_id=department.id, code=department.code, name=department.name,
                   score=score(row))
        rows.append(row)
    ranked = sorted((r for r in rows if r["dispatched"] and r["score"] is not None),
                    key=lambda r: (-r["score"], -(r["on_time_rate"] or 0), -r["dispatched"]))
    for position, row in enumerate(ranked, 1):
        row["rank"] = position
    for row in rows:
        row.setdefault("rank", None)
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["department_id"]))


def trend(scope, calendar, granularity):
    local = LocalTime(calendar, scope.start)
    counters = _counters(scope, Grouping("trend", local, granularity), local)
    return [{"bucket": b.isoformat(), **_report_row(counters.get(b, Counter()))}
            for b in buckets(scope, calendar.tz, granularity)]


def bucket_start(day, granularity):
    """The first day of the day's bucket: the day itself, its week's Monday or its month's 1st."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def buckets(scope, tz, granularity):
    """Every bucket's first day from the period's first to its last local day."""
    first = _local_day(scope.start, tz)
    last = _local_day(scope.end - timedelta(microseconds=1), tz)
    day, found = bucket_start(first, granularity), []
    while day <= last:
        found.append(day)
        if granularity == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=1 if granularity == "day" else 7)
    return found


def by_category(scope, calendar, level):
    """Rows per category at `level` of the taxonomy; deeper categories add up into their ancestor."""
    counters = _counters(scope, Grouping("category"), LocalTime(calendar, scope.start))
    categories = {c.id: c for c in reading().scalars(select(Category))}
    rolled = defaultdict(Counter)
    for category_id, counter in counters.items():
        node = categories.get(category_id)
        while node is not None and node.level > level:
            node = categories.get(node.parent_id)
        rolled[node.id if node else None].update(counter)
    rows = [{"category_id": cid, "name": categories[cid].path if cid else "未分类", **_report_row(c)}
            for cid, c in rolled.items()]
    return sorted(rows, key=lambda r: (-r["received"], -r["dispatched"], r["name"]))


def by_area(scope, calendar):
    counters = _counters(scope, Grouping("area"), LocalTime(calendar, scope.start))
    rows = [{"area": area, "name": area or "未填写", **_report_row(c)} for area, c in counters.items()]
    return sorted(rows, key=lambda r: (-r["received"], -r["dispatched"], r["name"]))


def overdue_list(scope, limit):
    """The late dispatch spells of the period (办结超期), earliest due first."""
    stmt = (
        select(T.number, T.content, T.area, T.category_id, A.department_id, Department.name,
               A.kind, A.started_at, A.complete_due_at, A.replied_at, AR.severity, AR.status)
        .select_from(A.__table__.join(T, T.id == A.ticket_id)
                     .join(Department, Department.id == A.department_id)
                     .outerjoin(AR, COMPLETE_RECORD))
        .where(LATE, _completion_counted(scope.now))
        .order_by(A.complete_due_at, A.id)
        .limit(limit)
    )
    stmt = _restrict(stmt, scope, A.complete_due_at, A.department_id)
    return [dict(row) for row in reading().execute(stmt).mappings()]


# --- what a figure counts -------------------------------------------------------------

# The counter each summary figure counts, or for a rate the counter of its numerator.
NUMERATORS = {
    "received": "received", "direct_answer_rate": "answered", "dispatched": "dispatched",
    "sign_on_time_rate": "sign_on_time", "on_time_rate": "on_time", "overdue": "overdue",
    "severely_overdue": "severely_overdue", "accountability_rate": "accountable",
    "revisit_rate": "revisited", "satisfaction_rate": "satisfied", "resolution_rate": "resolved",
    "redo_rate": "redos", "return_rate": "returned", "average_handling_hours": "handled",
    "assist_opinions": "assist_opinions",
}


def _family_of(counter, now):
    return next(f for f in [*_families(now), HANDLED] if counter in f.counted)


def members(scope, counter):
    """A select of the rows one counter counts, as (ticket_id, assignment_id, moment): the very
    rows summary() counts, so that a list of them has the figure's total."""
    family = _family_of(counter, scope.now)
    condition = family.counted[counter]
    spell = family.source is not T
    stmt = select((A.ticket_id if spell else T.id).label("ticket_id"),
                  (A.id if spell else literal(None, Integer)).label("assignment_id"),
                  family.period_column.label("moment"))
    stmt = stmt.select_from(_source(family.source, family.needs_ticket, scope, Grouping()))
    stmt = stmt.where(*family.conditions, *([] if condition is None else [condition]))
    return _restrict(stmt, scope, family.period_column, family.department_column)


def member_page(scope, counter, page, per_page):
    """(total, [(ticket, spell or None, moment)]) of one page of a counter's rows, by their period moment."""
    rows = members(scope, counter).subquery()
    total = reading().scalar(select(func.count()).select_from(rows))
    stmt = (select(T, A, rows.c.moment).select_from(rows)
            .join(T, T.id == rows.c.ticket_id).outerjoin(A, A.id == rows.c.assignment_id)
            .order_by(rows.c.moment, T.id, rows.c.assignment_id)
            .limit(per_page).offset((page - 1) * per_page))
    return total, reading().execute(stmt).all()
