"""The supervisor's dashboard (/dashboard) and the daily briefing pages (/reports/daily)."""
from datetime import date

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth.access import roles_required
from hotline.directory.calendar import local_tz
from hotline.errors import Forbidden, HotlineError, InvalidInput
from hotline.extensions import db, reads_first
from hotline.jobs import briefing
from hotline.jobs.models import DailyBriefing
from hotline.reports import export, queries
from hotline.reports import scope as scopes
from hotline.reports.definitions import METRICS, SUMMARY_FIELDS
from hotline.reports.forms import (
    BULK_ACTIONS,
    GRANULARITY_LABELS,
    BulkUrgeForm,
    DashboardForm,
    DashboardQuery,
    period_days,
)
from hotline.tickets import queues, schemas, service
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("reports", __name__)

REPORT_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN, Role.DEPARTMENT})
FORBIDDEN = "只有督办领导、派单审核员、管理员和承办单位可以查看统计"
BRIEFING_FORBIDDEN = "日报仅供中心人员查看"
URGE_FORBIDDEN = "只有督办领导可以催办、督办"
CONFLICT_TEXT = "该工单已被他人更新，请重新加载后再操作"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CARDS = tuple(f for f in SUMMARY_FIELDS if f != "answered")  # 直接办结率 stands for it
OVERDUE_LIMIT = 100
FIGURE_PER_PAGE = 50
# The moment each counted row is dated by (its family's period column), shown in its list.
MOMENTS = {"received": "受理时间", "answered": "受理时间", "dispatched": "派单时间", "returned": "派单时间",
           "sign_on_time": "签收时限", "on_time": "办结时限", "overdue": "办结时限",
           "accountable": "办结时限", "severely_overdue": "办结时限", "revisited": "答复时间",
           "handled": "答复时间", "satisfied": "回访时间", "resolved": "回访时间", "redos": "回访时间",
           "assist_opinions": "提出时间"}
# The numerator of each rate card, in the words of its list.
COUNTER_LABELS = {"answered": "直接办结", "sign_on_time": "按时签收", "on_time": "按时办结",
                  "accountable": "已追责", "revisited": "已回访", "satisfied": "满意和基本满意",
                  "resolved": "已解决", "redos": "重办", "returned": "同意退单"}
FIELD_LABELS = {"from": "起始日期", "to": "截止日期", "department_id": "承办单位", "category_id": "诉求分类",
                "area": "区域", "channel": "渠道", "is_enterprise": "涉企", "period": "统计期",
                "granularity": "趋势", "figure": "指标", "league_sort": "排序", "page": "页码"}
# Where a smaller number is the better one, sorting puts it first.
ASCENDING = {"rank", "name", "overdue", "redo_rate", "return_rate", "average_handling_hours"}


# --- the dashboard -----------------------------------------------------------------------

def _parsed():
    """(query, Scope, calendar, meta) of the query string; empty GET fields mean "any"."""
    try:
        query = schemas.parse(DashboardQuery, {k: v for k, v in request.args.items() if v.strip()})
    except InvalidInput as exc:
        raise InvalidInput("查询条件有误：" + "；".join(_problems(exc.details))) from None
    today = utcnow().astimezone(local_tz()).date()
    first, last = period_days(query.period, today, query.date_from, query.date_to)
    query = query.model_copy(update={"date_from": first, "date_to": last})
    return (query, *scopes.report_scope(query, g.user, utcnow(), query.is_enterprise))


def _problems(details):
    """The parser's findings in the page's words (its own messages are the API's, in English)."""
    for name, message in details.items():
        if name == "body":
            yield message.removeprefix("Value error, ").replace("from 不能晚于 to", "起始日期不能晚于截止日期")
        else:
            yield f"“{FIELD_LABELS.get(name, name)}”填写有误"


def _args(**changes):
    """The current query string with some parameters changed (None drops one)."""
    args = {k: v for k, v in request.args.items() if v.strip() and k not in ("page", "figure")}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


@bp.get("/dashboard")
@reads_first
@login_required
@roles_required(REPORT_ROLES, FORBIDDEN)
def dashboard():
    return _dashboard_page()


@bp.post("/dashboard/overdue")
@login_required
@roles_required({Role.SUPERVISOR}, URGE_FORBIDDEN)
def urge():
    form = BulkUrgeForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        return _dashboard_page(InvalidInput("；".join(messages)), form)
    done, failures = 0, []
    for number, version in form.tickets.data:
        try:
            with db.session.begin_nested():
                service.perform(number, form.action.data, g.user, {"note": form.note.data, "version": version})
        except HotlineError as exc:
            failures.append(f"{number} – {CONFLICT_TEXT if exc.code == 'conflict' else exc.message}")
        else:
            done += 1
    db.session.commit()
    action = BULK_ACTIONS[form.action.data]
    if failures:
        flash(f"已{action} {done} 件，{len(failures)} 件失败：{'；'.join(failures)}", "warning")
    else:
        flash(f"已{action} {done} 件", "success")
    return redirect(url_for(".dashboard", **request.args))


def _dashboard_page(error=None, bulk_form=None):
    form = DashboardForm(request.args, departments=g.user.is_centre_staff)
    try:
        query, scope, calendar, meta = _parsed()
    except InvalidInput as exc:
        return render_template("reports/dashboard.html", form=form, error=exc, report=None), exc.status
    as_of, spots = scopes.stored_hotspots(scope.department_id)
    report = {
        "query": query, "meta": meta, "summary": queries.summary(scope, calendar),
        "league": _sorted_league(scopes.league_for(scope, calendar), query.league_sort),
        "overdue": scopes.overdue_now(g.user, scope, OVERDUE_LIMIT),
        "hotspots": spots, "hotspots_as_of": as_of,
        "charts": _charts(scope, calendar, query.granularity),
    }
    return render_template(
        "reports/dashboard.html", form=form, error=error, report=report, cards=CARDS, metrics=METRICS,
        numerators=queries.NUMERATORS, counter_labels=COUNTER_LABELS, args=_args,
        granularities=GRANULARITY_LABELS,
        bulk_form=bulk_form or BulkUrgeForm(formdata=None), names=queues.department_names(),
        may_urge=Role.SUPERVISOR in g.user.roles), error.status if error else 200


def _charts(scope, calendar, granularity):
    """What dashboard.js draws: trend series and the category and area breakdowns."""
    trend = queries.trend(scope, calendar, granularity)
    return {
        "granularity": granularity,
        "trend": {"buckets": [row["bucket"] for row in trend],
                  **{name: [row[name] for row in trend]
                     for name in ("received", "on_time_rate", "satisfaction_rate")}},
        "names": {name: METRICS[name].name for name in ("received", "on_time_rate", "satisfaction_rate",
                                                        "dispatched", "overdue")},
        "categories": [{k: r[k] for k in ("name", "received", "dispatched", "overdue")}
                       for r in queries.by_category(scope, calendar, 1)],
        "areas": [{k: r[k] for k in ("name", "received", "dispatched", "overdue")}
                  for r in queries.by_area(scope, calendar)],
    }


def _sorted_league(league, column):
    """The league rows by one column; rows without a value (no denominator) always last."""
    rows = league["items"]
    present = [r for r in rows if r[column] is not None]
    present.sort(key=lambda r: r[column], reverse=column not in ASCENDING)
    return {**league, "items": present + [r for r in rows if r[column] is None], "sort": column}


@bp.get("/dashboard/tickets")
@reads_first
@login_required
@roles_required(REPORT_ROLES, FORBIDDEN)
def figure_tickets():
    """The rows one KPI card counts (for a rate, its numerator's), by the moment they are dated by."""
    query, scope, _, meta = _parsed()
    if query.figure is None:
        raise InvalidInput("请选择指标")
    counter = queries.NUMERATORS[query.figure]
    total, rows = queries.member_page(scope, counter, query.page, FIGURE_PER_PAGE)
    return render_template("reports/tickets.html", query=query, meta=meta, metric=METRICS[query.figure],
                           counted=METRICS.get(counter), total=total, rows=rows, moment=MOMENTS[counter],
                           names=queues.department_names(), args=_args, per_page=FIGURE_PER_PAGE)


@bp.get("/dashboard/export.xlsx")
@login_required
@roles_required(REPORT_ROLES, FORBIDDEN)
def export_xlsx():
    _, scope, calendar, meta = _parsed()
    period = meta["period"]
    content = export.workbook(f"统计期：{period['from']} 至 {period['to']}",
                              *scopes.export_sheets(scope, calendar, scopes.stored_hotspots(scope.department_id)[1]),
                              calendar.tz)
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"dashboard-{period['from']}-{period['to']}.xlsx\""})


# --- the daily briefing ----------------------------------------------------------------------

@bp.get("/reports/daily")
@login_required
@roles_required(REPORT_ROLES, FORBIDDEN)
def daily_index():
    if not g.user.is_centre_staff:
        raise Forbidden(BRIEFING_FORBIDDEN)
    days = db.session.scalars(select(DailyBriefing).order_by(DailyBriefing.day.desc()).limit(366)).all()
    return render_template("reports/daily_index.html", days=days)


@bp.get("/reports/daily/<day>")
@login_required
@roles_required(REPORT_ROLES, FORBIDDEN)
def daily(day):
    report = briefing.stored(day, g.user)
    tz = local_tz()
    severe = scopes.severely_overdue_on(date.fromisoformat(report["day"]), tz)
    return render_template("reports/daily.html", report=report, severe=severe, names=queues.department_names())

