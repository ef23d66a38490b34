"""The working calendar's admin page (/admin/calendar): holidays and make-up working days by year."""
import calendar as months
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from hotline.auth.access import roles_required
from hotline.directory import calendar
from hotline.errors import HotlineError, InvalidInput
from hotline.extensions import db
from hotline.forms import options
from hotline.labels import CALENDAR_KINDS
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("calendar", __name__)

ADMINS_ONLY = "只有系统管理员可以维护工作日历"
WEEKDAYS = "一二三四五六日"
MAX_FILE_BYTES = 64 * 1024


class DayForm(FlaskForm):
    day = HiddenField("日期", validators=[InputRequired()])
    kind = SelectField("类型", choices=options(CALENDAR_KINDS.items()), validators=[InputRequired()])
    name = StringField("名称", validators=[Length(max=60)], description="如：元旦、春节调休上班")


class ImportForm(FlaskForm):
    file = FileField("CSV 文件", validators=[FileRequired("请选择 CSV 文件")])
    dry_run = BooleanField("只检查，不导入")


@bp.get("/admin/calendar")
@login_required
@roles_required({Role.ADMIN}, ADMINS_ONLY)
def index():
    year = _year(request.args.get("year"))
    day = calendar.parse_day(request.args.get("day", ""))
    form = None
    if day is not None and day.year == year:
        state = calendar.day_state(day)
        form = DayForm(formdata=None, data={"day": day.isoformat(), "name": state["name"],
                                            "kind": state["kind"]})
    return _page(year, form)


@bp.post("/admin/calendar/day")
@login_required
@roles_required({Role.ADMIN}, ADMINS_ONLY)
def update_day():
    form = DayForm()
    day = calendar.parse_day(form.day.data or "")
    if day is None or not form.validate():
        return _page(day.year if day else _today().year, form), 400
    try:
        state = calendar.set_day(day, {"kind": form.kind.data, "name": form.name.data or ""}, g.user)
    except HotlineError as exc:
        db.session.rollback()
        return _page(day.year, form, error=exc), exc.status
    db.session.commit()
    flash(f"{day.isoformat()} 已设为{state['kind_label']}；未办结工单的时限将在一分钟内重算", "success")
    return redirect(url_for("calendar.index", year=day.year, day=day.isoformat()))


@bp.post("/admin/calendar/import")
@login_required
@roles_required({Role.ADMIN}, ADMINS_ONLY)
def import_file():
    year = _year(request.args.get("year"))
    form = ImportForm()
    if not form.validate():
        return _page(year, None, import_form=form), 400
    try:
        text = form.file.data.read(MAX_FILE_BYTES + 1)
        result = calendar.import_csv(_decoded(text), g.user, dry_run=form.dry_run.data)
    except HotlineError as exc:
        db.session.rollback()
        return _page(year, None, import_form=form, error=exc), exc.status
    db.session.commit()
    years = "、".join(map(str, result.years))
    summary = f"法定节假日 {result.holidays} 天，调休上班 {result.workdays} 天"
    flash(f"检查通过（未导入）：{years} 年，{summary}" if result.dry_run else f"已导入 {years} 年：{summary}",
          "success")
    return redirect(url_for("calendar.index", year=year if result.dry_run else result.years[0]))


def _decoded(data):
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("文件过大（最多 64 KB）", code="invalid_calendar_file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("CSV 文件须为 UTF-8 编码（在 Excel 中另存为“CSV UTF-8”）",
                           code="invalid_calendar_file") from None


def _today():
    return utcnow().astimezone(calendar.local_tz()).date()


def _year(text):
    year = int(text) if text and text.isdigit() else _today().year
    return calendar.check_year(year)


def _page(year, form, import_form=None, error=None):
    entries = {d.day: d for d in calendar.year_days(year)}
    grid = [(month, months.Calendar().monthdatescalendar(year, month)) for month in range(1, 13)]
    return render_template(
        "calendar/index.html", year=year, grid=grid, entries=entries, source=calendar.year_source(year),
        form=form, import_form=import_form or ImportForm(formdata=None), error=error, today=_today(),
        weekdays=WEEKDAYS, display_name=calendar.display_name, selected=calendar.parse_day(form.day.data or "")
        if form else None, date=date)
