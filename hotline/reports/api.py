"""Report endpoints under /api/v1/reports; department users see their own department only."""
from datetime import date, timedelta
from typing import Annotated, Literal

from flask import Response, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hotline.api import bp, login_required
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.codes import CHANNELS
from hotline.directory.calendar import work_calendar
from hotline.directory.models import Category, Department
from hotline.errors import Forbidden, InvalidInput
from hotline.extensions import db
from hotline.reports import definitions, export, hotspots, queries
from hotline.tickets.schemas import parse
from hotline.timeutil import utcnow

MAX_DAYS = 3 * 366
OVERDUE_LIST_LIMIT = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportQuery(BaseModel):
    """Period (local days, both inclusive; default: this month to today) and filters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    date_from: date | None = Field(None, alias="from", description="起始日期（含），默认本月 1 日")
    date_to: date | None = Field(None, alias="to", description="截止日期（含），默认今天")
    department_id: Annotated[int, Field(gt=0)] | None = None
    category_id: Annotated[int, Field(gt=0)] | None = Field(None, description="含下级分类")
    area: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    channel: Literal[tuple(CHANNELS)] | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("from 不能晚于 to")
        if self.date_from and self.date_to and (self.date_to - self.date_from).days > MAX_DAYS:
            raise ValueError(f"统计期不能超过 {MAX_DAYS} 天")
        return self


class TrendQuery(ReportQuery):
    granularity: Literal["day", "week", "month"] = "day"


class CategoryQuery(ReportQuery):
    level: Annotated[int, Field(ge=1, le=3)] = Field(1, description="按第几级分类汇总")


class HotspotQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Annotated[int, Field(ge=1, le=90)] = Field(7, description="最近多少天（与之前同样天数比较）")
    department_id: Annotated[int, Field(gt=0)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class Figures(Out):
    received: int
    answered: int
    dispatched: int
    direct_answer_rate: float | None
    sign_on_time_rate: float | None
    on_time_rate: float | None
    overdue: int
    severely_overdue: int
    accountability_rate: float | None
    revisit_rate: float | None
    satisfaction_rate: float | None
    resolution_rate: float | None
    redo_rate: float | None
    return_rate: float | None
    average_handling_hours: float | None
    counts: dict


class SummaryOut(Figures):
    period: dict
    filters: dict


class LeagueRow(Figures):
    department_id: int
    code: str
    name: str
    score: float | None
    rank: int | None


class LeagueOut(Out):
    period: dict
    filters: dict
    items: list[LeagueRow]
    ranked: int
    average: Figures


class GroupsOut(Out):
    period: dict
    filters: dict
    items: list[dict]


class DefinitionsOut(Out):
    items: dict


def _department_filter(requested):
    """Department users are held to their own department; others may pick any."""
    user = g.user
    if user.is_centre_staff:
        if requested is not None and db.session.get(Department, requested) is None:
            raise InvalidInput(f"承办单位 {requested} 不存在", code="unknown_department")
        return requested
    if requested is not None and requested != user.department_id:
        raise Forbidden("承办单位用户只能查看本单位的统计")
    return user.department_id


def _scope(model=ReportQuery):
    query = parse(model, request.args.to_dict())
    calendar = work_calendar()
    today = utcnow().astimezone(calendar.tz).date()
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
    scope = queries.Scope(start, end, utcnow(), _department_filter(query.department_id), categories,
                          query.area, query.channel)
    meta = {"period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "filters": {"department_id": scope.department_id, "category_id": query.category_id,
                        "area": query.area, "channel": query.channel}}
    return scope, calendar, query, meta


@bp.get("/reports/summary")
@login_required
@document("统计汇总（受理、派单、按时签收/办结、超期、追责、回访、满意、解决、重办、退单）",
          query=ReportQuery, response=SummaryOut)
def report_summary():
    scope, calendar, _, meta = _scope()
    return jsonify(**meta, **queries.summary(scope, calendar))


@bp.get("/reports/departments")
@login_required
@document("承办单位考评排名（承办单位用户只看到本单位一行及名次）", query=ReportQuery, response=LeagueOut)
def report_departments():
    scope, calendar, _, meta = _scope()
    return jsonify(**meta, **league_for(scope, calendar))


def league_for(scope, calendar):
    """The league table ranked over all departments; a department filter keeps its row only."""
    everyone = queries.league(scope, calendar)
    rows = [r for r in everyone if scope.department_id in (None, r["department_id"])]
    return {"items": rows, "ranked": sum(1 for r in everyone if r["rank"]),
            "average": queries.summary(scope.without_department(), calendar)}


@bp.get("/reports/trend")
@login_required
@document("趋势（按日/周/月）", query=TrendQuery, response=GroupsOut)
def report_trend():
    scope, calendar, query, meta = _scope(TrendQuery)
    return jsonify(**meta, granularity=query.granularity,
                   items=queries.trend(scope, calendar, query.granularity))


@bp.get("/reports/categories")
@login_required
@document("按诉求分类统计", query=CategoryQuery, response=GroupsOut)
def report_categories():
    scope, calendar, query, meta = _scope(CategoryQuery)
    return jsonify(**meta, items=queries.by_category(scope, calendar, query.level))


@bp.get("/reports/areas")
@login_required
@document("按区域统计", query=ReportQuery, response=GroupsOut)
def report_areas():
    scope, calendar, _, meta = _scope()
    return jsonify(**meta, items=queries.by_area(scope, calendar))


@bp.get("/reports/hotspots")
@login_required
@document("热点诉求（相似工单按主题和区域聚类，含数量、环比和热度）", query=HotspotQuery, response=GroupsOut)
def report_hotspots():
    query = parse(HotspotQuery, request.args.to_dict())
    now = utcnow()
    department_id = _department_filter(query.department_id)
    tz = work_calendar().tz
    start = (now - timedelta(days=query.days)).astimezone(tz).date()
    return jsonify(period={"from": start.isoformat(), "to": now.astimezone(tz).date().isoformat()},
                   filters={"department_id": department_id, "days": query.days},
                   items=hotspots.hotspots(now, query.days, department_id, query.limit))


@bp.get("/reports/definitions")
@login_required
@document("各项统计指标的名称和口径", response=DefinitionsOut)
def report_definitions():
    return jsonify(items=definitions.as_dict())


@bp.get("/reports/export.xlsx")
@login_required
@document("导出 Excel（汇总、考评排名、超期清单、热点、指标定义）", query=ReportQuery, content_type=XLSX)
def report_export():
    scope, calendar, _, meta = _scope()
    period = meta["period"]
    title = f"统计期：{period['from']} 至 {period['to']}"
    content = export.workbook(
        title, queries.summary(scope, calendar), league_for(scope, calendar)["items"],
        queries.overdue_list(scope, OVERDUE_LIST_LIMIT), _period_hotspots(scope), calendar.tz)
    filename = f"hotline-report-{period['from']}-{period['to']}.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _period_hotspots(scope):
    """Hotspots of the period's last (at most 90) days up to now."""
    end = min(scope.end, scope.now)
    days = max(1, min(90, (end - scope.start).days))
    return hotspots.hotspots(end, days, scope.department_id)
