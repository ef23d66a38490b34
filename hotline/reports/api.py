"""Report endpoints under /api/v1/reports; department users see their own department only."""
from datetime import date
from typing import Annotated, Literal

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator

from hotline.api import respond
from hotline.api.models import Moment, Out
from hotline.api.openapi import ISO_DAY, document
from hotline.auth.access import token_required
from hotline.extensions import reads_first
from hotline.jobs import briefing
from hotline.labels import CHANNELS
from hotline.reports import definitions, export, queries
from hotline.reports import scope as scopes
from hotline.reports.queries import COUNTER_NAMES
from hotline.tickets.schemas import MAX_ID, parse
from hotline.timeutil import utcnow

bp = Blueprint("reports_api", __name__)

MAX_DAYS = scopes.MAX_DAYS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {400: "unknown_department、unknown_category、invalid_period、period_too_long",
          403: "承办单位只能查看本单位的统计"}


class ReportQuery(BaseModel):
    """Period (local days, both inclusive; default: this month to today) and filters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    date_from: date | None = Field(None, alias="from", description="起始日期（含），默认本月 1 日")
    date_to: date | None = Field(None, alias="to", description="截止日期（含），默认今天")
    department_id: Annotated[int, Field(gt=0, le=MAX_ID)] | None = None
    category_id: Annotated[int, Field(gt=0, le=MAX_ID)] | None = Field(None, description="含下级分类")
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
    department_id: Annotated[int, Field(gt=0, le=MAX_ID)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


Counts = create_model("Counts", __base__=Out, **dict.fromkeys(COUNTER_NAMES, (int, ...)))
Counts.__doc__ = "各项指标的分子分母（计数）"


class Period(Out):
    from_: str = Field(alias="from", description="起始日期（含）YYYY-MM-DD")
    to: str = Field(description="截止日期（含）YYYY-MM-DD")


class Filters(Out):
    department_id: int | None
    category_id: int | None
    area: str | None
    channel: str | None


class HotspotFilters(Out):
    department_id: int | None
    days: int


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
    assist_opinions: int
    counts: Counts


class SummaryOut(Figures):
    period: Period
    filters: Filters


class LeagueRow(Figures):
    department_id: int
    code: str
    name: str
    score: float | None
    rank: int | None


class LeagueOut(Out):
    period: Period
    filters: Filters
    items: list[LeagueRow]
    ranked: int
    average: Figures


class TrendRow(Figures):
    bucket: str = Field(description="该段的第一天 YYYY-MM-DD（日、周一或月初）")


class TrendOut(Out):
    period: Period
    filters: Filters
    granularity: Literal["day", "week", "month"]
    items: list[TrendRow]


class CategoryRow(Figures):
    category_id: int | None = Field(description="null：未分类")
    name: str


class CategoriesOut(Out):
    period: Period
    filters: Filters
    items: list[CategoryRow]


class AreaRow(Figures):
    area: str | None = Field(description="null：未填写")
    name: str


class AreasOut(Out):
    period: Period
    filters: Filters
    items: list[AreaRow]


class Hotspot(Out):
    area: str | None
    topic: str
    terms: list[str]
    count: int
    previous_count: int = Field(description="之前同样天数内的数量")
    trend: int
    heat: float
    category_id: int | None
    example: str
    ticket_numbers: list[str]


class HotspotsOut(Out):
    period: Period
    filters: HotspotFilters
    items: list[Hotspot]


class Definition(Out):
    name: str
    definition: str
    rate: bool


class DefinitionsOut(Out):
    items: dict[str, Definition]


def _scope(model=ReportQuery):
    query = parse(model, request.args.to_dict())
    scope, calendar, meta = scopes.report_scope(query, g.user, utcnow())
    return scope, calendar, query, meta


@bp.get("/reports/summary")
@reads_first
@token_required
@document("统计汇总（受理、派单、按时签收/办结、超期、追责、回访、满意、解决、重办、退单）",
          query=ReportQuery, response=SummaryOut, errors=ERRORS)
def report_summary():
    scope, calendar, _, meta = _scope()
    return respond(SummaryOut, meta | queries.summary(scope, calendar))


@bp.get("/reports/departments")
@reads_first
@token_required
@document("承办单位考评排名（承办单位用户只看到本单位一行及名次）", query=ReportQuery, response=LeagueOut,
          errors=ERRORS)
def report_departments():
    scope, calendar, _, meta = _scope()
    return respond(LeagueOut, meta | scopes.league_for(scope, calendar))


@bp.get("/reports/trend")
@reads_first
@token_required
@document("趋势（按日/周/月）", query=TrendQuery, response=TrendOut, errors=ERRORS)
def report_trend():
    scope, calendar, query, meta = _scope(TrendQuery)
    return respond(TrendOut, meta | {"granularity": query.granularity,
                                     "items": queries.trend(scope, calendar, query.granularity)})


@bp.get("/reports/categories")
@reads_first
@token_required
@document("按诉求分类统计", query=CategoryQuery, response=CategoriesOut, errors=ERRORS)
def report_categories():
    scope, calendar, query, meta = _scope(CategoryQuery)
    return respond(CategoriesOut, meta | {"items": queries.by_category(scope, calendar, query.level)})


@bp.get("/reports/areas")
@reads_first
@token_required
@document("按区域统计", query=ReportQuery, response=AreasOut, errors=ERRORS)
def report_areas():
    scope, calendar, _, meta = _scope()
    return respond(AreasOut, meta | {"items": queries.by_area(scope, calendar)})


@bp.get("/reports/hotspots")
@reads_first
@token_required
@document("热点诉求（相似工单按主题和区域聚类，含数量、环比和热度）", query=HotspotQuery, response=HotspotsOut,
          errors={400: "unknown_department", 403: "承办单位只能看本单位"})
def report_hotspots():
    query = parse(HotspotQuery, request.args.to_dict())
    return respond(HotspotsOut, scopes.recent_hotspots(g.user, utcnow(), query.days, query.department_id,
                                                       query.limit))


@bp.get("/reports/definitions")
@token_required
@document("各项统计指标的名称和口径", response=DefinitionsOut)
def report_definitions():
    return respond(DefinitionsOut, {"items": definitions.as_dict()})


@bp.get("/reports/export.xlsx")
@token_required
@document("导出 Excel（汇总、考评排名、超期清单、热点、指标定义）", query=ReportQuery, content_type=XLSX,
          errors=ERRORS)
def report_export():
    scope, calendar, _, meta = _scope()
    period = meta["period"]
    content = export.workbook(f"统计期：{period['from']} 至 {period['to']}",
                              *scopes.export_sheets(scope, calendar), calendar.tz)
    filename = f"hotline-report-{period['from']}-{period['to']}.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class NamedCount(Out):
    id: int
    name: str
    count: int


class HotTopic(Out):
    area: str | None
    topic: str
    count: int
    previous_count: int
    trend: int
    heat: float


class DailyBriefingOut(Out):
    day: str
    created_at: Moment
    received: int
    by_channel: dict[str, int]
    by_type: dict[str, int]
    by_department: list[NamedCount]
    top_categories: list[NamedCount]
    new_overdue: int
    new_overdue_by_deadline: dict[str, int]
    new_severely_overdue: int
    revisits: dict[str, int]
    satisfaction_rate: float | None
    hot_topics: list[HotTopic] = Field(default_factory=list, description="近几日的热点诉求（早先的日报没有）")


@bp.get("/reports/daily/<day>")
@token_required
@document("日报：前一日受理量、超期与满意度（每日 08:00 生成）", response=DailyBriefingOut,
          path_params={"day": ("日期 YYYY-MM-DD", ISO_DAY)},
          errors={400: "日期无效", 403: "日报仅供中心人员查看", 404: "该日日报尚未生成"})
def daily_briefing_report(day):
    return respond(DailyBriefingOut, briefing.stored(day, g.user))
