"""The working calendar: seeded from the chinesecalendar package, kept in the database, edited
by admins (a day at a time or a year's arrangement from a CSV file), every change audited and
queued for the deadline recompute job."""
import csv
import functools
import io
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app, has_request_context, request
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, scoped_session

from hotline.audit import service as audit
from hotline.directory.models import CalendarDay, CalendarRecompute, CalendarYear, Setting, TimeLimitPolicy
from hotline.errors import InvalidInput
from hotline.extensions import db
from hotline.labels import CALENDAR_KINDS
from hotline.refresh import app_state
from hotline.tickets import schemas
from hotline.tickets.deadlines import Limit, Policy, WorkCalendar, parse_hours
from hotline.timeutil import utcnow


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
    """What changes when an admin edits the calendar or the working hours: one query a request."""
    return db.session.execute(_stamp_query()).one()


@functools.cache
def _stamp_query():
    # Built once: constructing the three subqueries cost more than running them.
    return select(
        select(func.count(CalendarYear.year)).scalar_subquery(),
        select(func.max(CalendarYear.updated_at)).scalar_subquery(),
        select(func.max(Setting.updated_at)).scalar_subquery(),
    )


def local_tz():
    """The centre's time zone (HOTLINE_TIMEZONE): what the calendar's tz is, without the query that
    asks whether the calendar changed (a ticket number or a report day needs only the date)."""
    return ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])


def work_calendar():
    """The calendar as a pure WorkCalendar, rebuilt only when an admin changed it, and looked up
    once per request: a page shows the deadlines of many tickets with one calendar."""
    if has_request_context():
        calendar = getattr(request, "hotline_calendar", None)
        if calendar is None:
            calendar = request.hotline_calendar = _current_calendar()
        return calendar
    return _current_calendar()


def _current_calendar():
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


# --- admins' arrangement -------------------------------------------------------------------

# The package names its days in English; people read them in Chinese.
PACKAGE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
DAY_KINDS = ("holiday", "workday")
# What an import file's kind column may say: the code or its Chinese label.
KIND_WORDS = {**{k: k for k in DAY_KINDS}, **{CALENDAR_KINDS[k]: k for k in DAY_KINDS}}
MAX_IMPORT_LINES = 400
MIN_YEAR, MAX_YEAR = 2000, 2100
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # date.fromisoformat would take 20270101 too


def parse_day(text):
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(text) if ISO_DAY.match(text) else None
    except ValueError:
        return None


class DayChange(schemas.Input):
    kind: Literal[tuple(CALENDAR_KINDS)]
    name: schemas._text(0, 60) = ""


def display_name(day):
    """A calendar day's name in Chinese (package rows carry the package's English names)."""
    return PACKAGE_NAMES.get(day.name, day.name) or CALENDAR_KINDS[day.kind]


def year_days(year):
    """The year's holidays and make-up working days, in date order."""
    return db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
    ).order_by(CalendarDay.day)).all()


def year_source(year):
    """'package', 'admin', or None while the year has no arrangement (Monday–Friday applies)."""
    row = db.session.get(CalendarYear, year)
    return row.source if row else None


def check_year(year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间", code="invalid_year", details={"year": year})
    return year


def day_dict(row):
    return {"date": row.day.isoformat(), "kind": row.kind, "kind_label": CALENDAR_KINDS[row.kind],
            "name": display_name(row), "source": row.source}


def set_day(day, data, actor):
    """Make `day` a holiday or a make-up working day, or (kind "default") what Monday–Friday says."""
    params = schemas.parse(DayChange, data)
    check_year(day.year)
    problem = _day_problem(day, params.kind)
    if problem:
        raise InvalidInput(problem, code="invalid_day", details={"date": day.isoformat(), "kind": params.kind})
    row = db.session.get(CalendarDay, day)
    before = day_dict(row) if row else None
    if params.kind == "default":
        if row is not None:
            db.session.delete(row)
    else:
        row = row or CalendarDay(day=day)
        row.kind, row.name, row.source = params.kind, params.name, "admin"
        db.session.add(row)
    db.session.flush()
    after = None if params.kind == "default" else day_dict(row)
    if before == after:
        return day_state(day)
    _touch_years({day.year})
    action = "delete" if after is None else "create" if before is None else "update"
    audit.record(actor, "calendar", day.isoformat(), action, before, after)
    request_recompute(f"{day.isoformat()} {CALENDAR_KINDS[params.kind]}", actor)
    return day_state(day)


def day_state(day):
    """The day as the calendar has it: its entry, or kind "default" (Monday–Friday decides)."""
    row = db.session.get(CalendarDay, day)
    if row is not None:
        return day_dict(row)
    return {"date": day.isoformat(), "kind": "default", "kind_label": "工作日" if day.weekday() < 5 else "周末",
            "name": "", "source": None}


def _day_problem(day, kind):
    if kind == "workday" and day.weekday() < 5:
        return f"{day.isoformat()} 是周一至周五，本来就是工作日，调休上班日应为周六或周日"
    return None


@dataclass
class ImportResult:
    years: list
    holidays: int
    workdays: int
    dry_run: bool

    def to_dict(self):
        return {"years": self.years, "holidays": self.holidays, "workdays": self.workdays,
                "dry_run": self.dry_run}


def import_csv(text, actor, dry_run=False):
    """Replace each year in the file with the file's arrangement (`date,kind,name` lines, kind
    holiday|workday or 法定节假日|调休上班, an optional header). Any bad line: a 400 listing every
    bad line by number, and nothing written."""
    rows = _parse_csv(text)
    years = sorted({d.year for d, _, _ in rows})
    result = ImportResult(years, sum(k == "holiday" for _, k, _ in rows),
                          sum(k == "workday" for _, k, _ in rows), dry_run)
    if dry_run:
        return result
    for year in years:
        before = [day_dict(d) for d in year_days(year)]
        for old in year_days(year):
            db.session.delete(old)
        db.session.flush()
        new = [CalendarDay(day=d, kind=k, name=n, source="admin") for d, k, n in rows if d.year == year]
        db.session.add_all(new)
        row = db.session.get(CalendarYear, year) or CalendarYear(year=year)
        row.source, row.updated_at = "admin", utcnow()
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "calendar", str(year), "import", {"days": before}, {"days": [day_dict(d) for d in new]})
    request_recompute(f"导入 {'、'.join(map(str, years))} 年节假日安排", actor)
    return result


def _parse_csv(text):
    """[(date, kind, name)] in file order, or InvalidInput with details.errors [{line, message}]."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    errors, rows, seen = [], [], {}
    for number, cells in enumerate(lines[:MAX_IMPORT_LINES + 1], start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or (number == 1 and cells[0].lower() in ("date", "日期")):
            continue
        message = _line_problem(cells, seen, number)
        if isinstance(message, str):
            errors.append({"line": number, "message": message})
        else:
            rows.append(message)
    if len(lines) > MAX_IMPORT_LINES:
        errors.append({"line": MAX_IMPORT_LINES + 1, "message": f"文件超过 {MAX_IMPORT_LINES} 行"})
    if not rows and not errors:
        errors.append({"line": 1, "message": "文件中没有任何日期"})
    if errors:
        summary = "；".join(f"第 {e['line']} 行：{e['message']}" for e in errors[:5])
        raise InvalidInput(f"导入文件有 {len(errors)} 处错误，未导入任何数据。{summary}",
                           code="invalid_calendar_file", details={"errors": errors})
    return rows


def _line_problem(cells, seen, number):
    """(date, kind, name) of one line, or what is wrong with it; `seen` maps dates to (line, kind)."""
    if len(cells) not in (2, 3):
        return "每行应为：日期,类型,名称"
    text, kind_word, name = cells[0], cells[1], cells[2] if len(cells) == 3 else ""
    day = parse_day(text)
    if day is None:
        return f"日期“{text}”无效，应为 YYYY-MM-DD"
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间"
    kind = KIND_WORDS.get(kind_word.lower() if kind_word.isascii() else kind_word)
    if kind is None:
        return f"类型“{kind_word}”无效，应为 holiday（法定节假日）或 workday（调休上班）"
    if len(name) > 60:
        return "名称不能超过 60 个字"
    if day in seen:
        line, other = seen[day]
        if other == kind:
            return f"{day.isoformat()} 与第 {line} 行重复"
        return f"{day.isoformat()} 已在第 {line} 行列为{CALENDAR_KINDS[other]}，不能同时是{CALENDAR_KINDS[kind]}"
    problem = _day_problem(day, kind)
    if problem:
        return problem
    seen[day] = (number, kind)
    return day, kind, name


def _touch_years(years):
    """Mark the years as an admin's (so the banner stops) and invalidate every worker's cached calendar."""
    for year in years:
        row = db.session.get(CalendarYear, year)
        if row is None:
            db.session.add(CalendarYear(year=year, source="admin", updated_at=utcnow()))
        else:
            row.updated_at = utcnow()
    db.session.flush()


def request_recompute(reason, actor):
    """Queue the recompute of open tickets' deadlines for the scheduler's calendar_recompute job."""
    db.session.add(CalendarRecompute(reason=reason[:200], requested_at=utcnow(),
                                     requested_by=getattr(actor, "username", None) or "system"))
    db.session.flush()


def pending_recomputes():
    return db.session.scalars(select(CalendarRecompute).where(CalendarRecompute.done_at.is_(None))
                              .order_by(CalendarRecompute.id)).all()
