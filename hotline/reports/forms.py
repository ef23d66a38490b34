"""The dashboard's GET filters (period and scope) and its bulk 催办 / 督办 form.

Parsing is DashboardQuery's (the API's ReportQuery and three page fields): the form only renders
and keeps what the user picked, so the page and the API validate the same way.
"""
from datetime import date, timedelta
from typing import Annotated, Literal

from flask_wtf import FlaskForm
from pydantic import Field
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from hotline import labels
from hotline.forms import options
from hotline.queues.forms import TicketSelection
from hotline.reports.api import ReportQuery
from hotline.reports.queries import GRANULARITIES, NUMERATORS
from hotline.tickets.forms import ChineseMeta, category_choices, department_choices

PERIODS = {"today": "今日", "week": "本周", "month": "本月", "last_month": "上月", "year": "今年",
           "custom": "自定义"}
GRANULARITY_LABELS = {"day": "按日", "week": "按周", "month": "按月"}
BULK_ACTIONS = {"urge": "催办", "supervise": "督办"}
LEAGUE_SORTS = ("rank", "name", "score", "dispatched", "sign_on_time_rate", "on_time_rate", "overdue",
                "accountability_rate", "revisit_rate", "satisfaction_rate", "resolution_rate",
                "redo_rate", "return_rate", "average_handling_hours", "assist_opinions")


class DashboardQuery(ReportQuery):
    """The dashboard's query string: the API's report query plus the page's own choices."""

    period: Literal[tuple(PERIODS)] = "month"
    is_enterprise: bool | None = None
    granularity: Literal[GRANULARITIES] = "day"
    figure: Literal[tuple(NUMERATORS)] | None = None
    league_sort: Literal[LEAGUE_SORTS] = "rank"
    page: Annotated[int, Field(ge=1, le=100_000)] = 1


def period_days(period, today, date_from=None, date_to=None):
    """(first, last) local day of a preset period; 自定义 keeps the given days (default: this month)."""
    if period == "today":
        return today, today
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "year":
        return date(today.year, 1, 1), today
    if period == "custom":
        return date_from or today.replace(day=1), date_to or today
    return today.replace(day=1), today


def _choices(pairs, empty="全部"):
    return options([("", empty)] + [(str(k), v) for k, v in pairs])


class DashboardForm(Form):
    class Meta(ChineseMeta):
        pass

    period = SelectField("统计期", choices=options(list(PERIODS.items())), default="month")
    date_from = StringField("起始日期", name="from")
    date_to = StringField("截止日期", name="to")
    department_id = SelectField("承办单位")
    category_id = SelectField("诉求分类")
    area = StringField("区域")
    channel = SelectField("渠道", choices=_choices(labels.CHANNELS.items()))
    is_enterprise = SelectField("涉企", choices=_choices([("true", "涉企"), ("false", "不涉企")]))
    granularity = SelectField("趋势", choices=options(list(GRANULARITY_LABELS.items())), default="day")

    def __init__(self, formdata, departments=True):
        super().__init__(formdata)
        self.department_id.choices = _choices(department_choices() if departments else [])
        self.category_id.choices = _choices(category_choices())


class BulkUrgeForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    tickets = TicketSelection(default=list)
    action = SelectField("操作", choices=options(list(BULK_ACTIONS.items())), default="urge")
    note = TextAreaField("催办 / 督办意见", validators=[InputRequired("请填写催办或督办意见"),
                                                 Length(min=2, max=2000, message="意见需 2–2000 字")])
