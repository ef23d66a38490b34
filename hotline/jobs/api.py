"""GET /api/v1/reports/daily/<date>: a stored daily briefing."""
from datetime import datetime

from flask import g, jsonify

from hotline.api import bp, login_required
from hotline.api.models import Out
from hotline.api.openapi import document
from hotline.jobs import briefing


class NamedCount(Out):
    id: int
    name: str
    count: int


class DailyBriefingOut(Out):
    day: str
    created_at: datetime
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


@bp.get("/reports/daily/<day>")
@login_required
@document("日报：前一日受理量、超期与满意度（每日 08:00 生成）", response=DailyBriefingOut,
          path_params={"day": "日期 YYYY-MM-DD"})
def daily_briefing_report(day):
    return jsonify(briefing.stored(day, g.user))
