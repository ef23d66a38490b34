"""What a report covers for a user: the period and filters made into a Scope, with department
users held to their own department; and the combined reads the API and the pages share."""
from datetime import timedelta

from hotline.directory.calendar import work_calendar
from hotline.directory.models import Category, Department
from hotline.errors import Forbidden, InvalidInput
from hotline.extensions import db
from hotline.reports import hotspots, queries

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


def report_scope(query, user, now):
    """(Scope, calendar, meta) of a parsed report query; default period: this month to today."""
    calendar = work_calendar()
    today = now.astimezone(calendar.tz).date()
    date_to = query.date_to or today
    date_from = query.date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise InvalidInput("from 不能晚于 to", details={"from": str(date_from), "to": str(date_to)})
    categories = None
    if query.category_id is not None:
        if db.session.get(Category, query.category_id) is None:
            raise InvalidInput(f"分类 {query.category_id} 不存在", code="unknown_category")
        categories = queries.category_ids(query.category_id)
    start, end = queries.period(date_from, date_to, calendar.tz)
    scope = queries.Scope(start, end, now, department_filter(user, query.department_id), categories,
                          query.area, query.channel)
    meta = {"period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "filters": {"department_id": scope.department_id, "category_id": query.category_id,
                        "area": query.area, "channel": query.channel}}
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
    tz = work_calendar().tz
    start = (now - timedelta(days=days)).astimezone(tz).date()
    return {"period": {"from": start.isoformat(), "to": now.astimezone(tz).date().isoformat()},
            "filters": {"department_id": department_id, "days": days},
            "items": hotspots.hotspots(now, days, department_id, limit)}


def export_sheets(scope, calendar):
    """What the Excel export holds: summary, league rows, overdue list and the period's hotspots."""
    end = min(scope.end, scope.now)
    days = max(1, min(90, (end - scope.start).days))
    return (queries.summary(scope, calendar), league_for(scope, calendar)["items"],
            queries.overdue_list(scope, OVERDUE_LIST_LIMIT),
            hotspots.hotspots(end, days, scope.department_id))
