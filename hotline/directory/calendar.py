"""The working calendar: seeded from the chinesecalendar package, kept in the database."""
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, scoped_session

from hotline.directory.models import CalendarDay, CalendarYear, Setting, TimeLimitPolicy
from hotline.extensions import db
from hotline.refresh import app_state
from hotline.tickets.deadlines import Limit, Policy, WorkCalendar, parse_hours


@dataclass
class _Cached:
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamp: tuple | None = None
    calendar: WorkCalendar | None = None


def package_years():
    return sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})


def seed_from_package():
    """Copy the package's years into the table; years an admin maintains are left alone."""
    known = {y.year: y for y in db.session.scalars(select(CalendarYear))}
    added = []
    for year in package_years():
        if year in known:
            continue
        days = [
            CalendarDay(day=d, kind="holiday", name=name or "", source="package")
            for d, name in chinese_calendar.holidays.items() if d.year == year
        ] + [
            CalendarDay(day=d, kind="workday", name=name or "", source="package")
            for d, name in chinese_calendar.workdays.items()
            if d.year == year and d.weekday() >= 5
        ]
        db.session.add_all(days)
        db.session.add(CalendarYear(year=year, source="package"))
        added.append(year)
    db.session.flush()
    return added


def missing_years(today, ahead=1):
    """Years from this one to `ahead` later with no holiday arrangement entered."""
    wanted = set(range(today.year, today.year + ahead + 1))
    return sorted(wanted - set(db.session.scalars(select(CalendarYear.year))))


WORKING_HOURS = "working_hours"


def _stamp():
    years = db.session.execute(select(func.count(CalendarYear.year), func.max(CalendarYear.updated_at))).one()
    return (*years, db.session.scalar(select(func.max(Setting.updated_at))))


def work_calendar():
    """The calendar as a pure WorkCalendar, rebuilt only when an admin changed it."""
    cached = app_state("hotline.calendar", _Cached)
    stamp = tuple(_stamp())
    with cached.lock:
        if cached.stamp == stamp:
            return cached.calendar
    calendar = load_calendar(db.session, current_app.config)
    with cached.lock:
        cached.stamp, cached.calendar = stamp, calendar
    return calendar


def _working_hours_setting(connection):
    """The admin's working hours, if any; migration 0006 reads the calendar before this table exists."""
    bind = connection.connection() if isinstance(connection, Session | scoped_session) else connection
    if not inspect(bind).has_table(Setting.__tablename__):
        return None
    return connection.execute(select(Setting.value).where(Setting.key == WORKING_HOURS)).scalar()


def load_calendar(connection, config):
    """The calendar read through `connection` (a session, or a migration's own connection)."""
    rows = connection.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    hours = _working_hours_setting(connection)
    return WorkCalendar(
        holidays=frozenset(d for d, k in rows if k == "holiday"),
        workdays=frozenset(d for d, k in rows if k == "workday"),
        hours=parse_hours(hours or config["HOTLINE_WORKING_HOURS"]),
        tz=ZoneInfo(config["HOTLINE_TIMEZONE"]),
    )


DEFAULT_POLICIES = [
    # urgency, type, sign limit, sign unit, complete days, contact min, on-site min
    ("emergency", None, 30, "clock_minutes", 3, 60, 120),
    ("urgent", None, 120, "working_minutes", 2, None, None),
    ("normal", "consult", 1, "working_days", 3, None, None),
    ("normal", "help", 1, "working_days", 3, None, None),
    ("normal", "complaint", 1, "working_days", 5, None, None),
    ("normal", "report", 1, "working_days", 5, None, None),
    ("normal", "suggestion", 1, "working_days", 10, None, None),
    ("normal", "praise", 1, "working_days", 10, None, None),
]


def seed_policies():
    if db.session.scalar(select(func.count(TimeLimitPolicy.id))):
        return 0
    for urgency, ticket_type, sign, sign_unit, days, contact, onsite in DEFAULT_POLICIES:
        db.session.add(TimeLimitPolicy(
            urgency=urgency, ticket_type=ticket_type, sign_limit=sign, sign_unit=sign_unit,
            complete_limit=days, complete_unit="working_days",
            contact_minutes=contact, onsite_minutes=onsite,
        ))
    db.session.flush()
    return len(DEFAULT_POLICIES)


def policy_for(urgency, ticket_type):
    rows = db.session.scalars(
        select(TimeLimitPolicy).where(TimeLimitPolicy.urgency == urgency)
    ).all()
    row = next((r for r in rows if r.ticket_type == ticket_type), None) or next(
        (r for r in rows if r.ticket_type is None), None
    )
    if row is None:
        raise LookupError(f"no time-limit policy for urgency={urgency} type={ticket_type}")
    return Policy(
        sign=Limit(row.sign_limit, row.sign_unit),
        complete=Limit(row.complete_limit, row.complete_unit),
        contact=_clock_minutes(row.contact_minutes),
        onsite=_clock_minutes(row.onsite_minutes),
    )


def _clock_minutes(minutes):
    return Limit(minutes, "clock_minutes") if minutes else None
