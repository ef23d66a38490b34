"""What a report covers for a user: the period and filters made into a Scope, with department
users held to their own department; and the combined reads the API and the pages share."""
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select

from hotline.directory.calendar import local_tz, work_calendar
from hotline.directory.models import Category, Department
from hotline.errors import Forbidden, InvalidInput
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.reports import hotspots, queries, snapshots
from hotline.tickets import service
from hotline.tickets.models import Ticket

OVERDUE_LIST_LIMIT = 5000


def department_filter(user, requested):
    """Department users are held to their own department; others may pick any."""
    if user.is_centre_staff:
        if requested is not None and db.session.get(Department, requested) is None:
            raise InvalidInput(f"承办单位 {requested} 不存在", code="unknown_department")
        return requested
    if requested is not None and requested != user.department_id:
        raise Forbidden("承办单位用户只能查看本单位的统计")
    return user.department_id


MAX_DAYS = 3 * 366
FIRST_YEAR, LAST_YEAR = 2000, 2999  # as the ticket list's dates (hotline/api/models.py)


def report_scope(query, user, now, is_enterprise=None):
    """(Scope, calendar, meta) of a parsed report query; default period: this month to today.
    `is_enterprise` (涉企) is the pages' filter, which the API's query does not have."""
    calendar = work_calendar()
    today = now.astimezone(calendar.tz).date()
    date_to = query.date_to or today
    date_from = query.date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise InvalidInput("from 不能晚于 to", details={"from": str(date_from), "to": str(date_to)})
    for day in (date_from, date_to):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput(f"统计日期须在 {FIRST_YEAR}—{LAST_YEAR} 年之间", code="invalid_period",
                               details={"from": str(date_from), "to": str(date_to)})
    # Bounded whichever end is given: one report never reads more than three years of tickets.
    if (date_to - date_from).days > MAX_DAYS:
        raise InvalidInput(f"统计期不能超过 {MAX_DAYS} 天", code="period_too_long",
                           details={"from": str(date_from), "to": str(date_to)})
    categories = None
    if query.category_id is not None:
        if db.session.get(Category, query.category_id) is None:
            raise InvalidInput(f"分类 {query.category_id} 不存在", code="unknown_category")
        categories = queries.category_ids(query.category_id)
    start, end = queries.period(date_from, date_to, calendar.tz)
    scope = queries.Scope(start, end, now, department_filter(user, query.department_id), categories,
                          query.area, query.channel, is_enterprise)
    meta = {"period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "filters": {"department_id": scope.department_id, "category_id": query.category_id,
                        "area": query.area, "channel": query.channel}}
    if is_enterprise is not None:
        meta["filters"]["is_enterprise"] = is_enterprise
    return scope, calendar, meta


def league_for(scope, calendar):
    """The league table ranked over all departments; a department filter keeps its row only."""
    everyone = queries.league(scope, calendar)
    rows = [r for r in everyone if scope.department_id in (None, r["department_id"])]
    return {"items": rows, "ranked": sum(1 for r in everyone if r["rank"]),
            "average": queries.summary(scope.without_department(), calendar)}


def recent_hotspots(user, now, days, department_id=None, limit=20):
    """Hotspots of the last `days` days for the user, with the period and filters they cover."""
    department_id = department_filter(user, department_id)
    tz = local_tz()
    start = (now - timedelta(days=days)).astimezone(tz).date()
    return {"period": {"from": start.isoformat(), "to": now.astimezone(tz).date().isoformat()},
            "filters": {"department_id": department_id, "days": days},
            "items": hotspots.hotspots(now, days, department_id, limit)}


def export_sheets(scope, calendar, stored_hotspots=None):
    """What the Excel export holds: summary, league rows, overdue list and the period's hotspots
    (or, from the pages, the hotspots the scheduler stored: the pages never cluster)."""
    end = min(scope.end, scope.now)
    days = max(1, min(90, (end - scope.start).days))
    found = (hotspots.hotspots(end, days, scope.department_id) if stored_hotspots is None
             else stored_hotspots)
    return (queries.summary(scope, calendar), league_for(scope, calendar)["items"],
            queries.overdue_list(scope, OVERDUE_LIST_LIMIT), found)


def stored_hotspots(department_id):
    """(as_of, items) of the scheduler's newest hotspots; for a department, the hotspots holding
    its tickets with only those tickets (counted as the API counts them, by final department)."""
    snapshot = snapshots.latest()
    if snapshot is None:
        return None, []
    if department_id is None:
        return snapshot.as_of, snapshot.items
    numbers = {n for spot in snapshot.items for n in spot["ticket_numbers"]}
    own = set(db.session.scalars(select(Ticket.number).where(
        Ticket.number.in_(numbers), Ticket.final_department_id == department_id))) if numbers else set()
    items = []
    for spot in snapshot.items:
        mine = [n for n in spot["ticket_numbers"] if n in own]
        if mine:
            items.append({**spot, "ticket_numbers": mine, "count": len(mine)})
    return snapshot.as_of, items


def overdue_now(user, scope, limit):
    """The tickets overdue or severely overdue right now within the scope's filters (not its period),
    severely overdue first, then by completion due time."""
    severe = service.lateness_condition("severely_overdue", scope.now)
    stmt = select(Ticket).where(service.visible_to(user), or_(
        severe, service.lateness_condition("overdue", scope.now)))
    for column, value in ((Ticket.department_id, scope.department_id), (Ticket.area, scope.area),
                          (Ticket.channel, scope.channel), (Ticket.is_enterprise, scope.is_enterprise)):
        if value is not None:
            stmt = stmt.where(column == value)
    if scope.category_ids is not None:
        stmt = stmt.where(Ticket.category_id.in_(scope.category_ids))
    return db.session.scalars(stmt.order_by(severe.desc(), Ticket.complete_due_at, Ticket.id).limit(limit)).all()


def severely_overdue_on(day, tz):
    """The tickets that crossed into 严重超期 on a local day (the sweep's one notice per crossing)."""
    start = datetime.combine(day, time(), tz)
    crossed = select(Notification.ticket_id).where(
        Notification.kind == "severely_overdue", Notification.created_at >= start,
        Notification.created_at < start + timedelta(days=1))
    return db.session.scalars(select(Ticket).where(Ticket.id.in_(crossed)).order_by(Ticket.number)).all()
