"""What every web page shares: session sign-in, the security headers, Chinese error pages, and
the template helpers (local time, labels, deadline levels, the role's queues)."""
from contextlib import suppress
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from classifier import urgency
from hotline import labels
from hotline.api import handle_hotline_error, handle_http_error, is_api_request
from hotline.auth.models import User
from hotline.directory.calendar import local_tz, missing_years, work_calendar
from hotline.errors import HotlineError, InvalidInput, Unavailable
from hotline.extensions import DATABASE_DOWN, database_down_message, db, login_manager
from hotline.notifications import service as notifications
from hotline.tickets import deadlines, queues
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow

# No inline script, handler or style: every script and stylesheet comes from /static.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")
ERROR_TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作",
                409: "操作冲突", 413: "提交内容过大", 429: "操作过于频繁", 503: "服务暂时不可用"}
LEVEL_CLASSES = {"on_time": "deadline-on-time", "warning": "deadline-warning", "overdue": "deadline-overdue",
                 "severely_overdue": "deadline-severe"}


def login_required(view):
    """Web views: the session's user becomes g.user; anyone else goes to the login page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        g.user = current_user._get_current_object()
        return view(*args, **kwargs)

    return wrapped


def safe_next(target):
    """Only a path on this site may follow a login (no open redirect)."""
    parts = urlsplit(target or "")
    return target if target and not parts.scheme and not parts.netloc and target.startswith("/") else None


def init_app(app):
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.register_error_handler(HotlineError, _hotline_error)
    for down in DATABASE_DOWN:
        app.register_error_handler(down, _database_down)
    app.register_error_handler(HTTPException, _http_error)
    app.context_processor(_layout)
    app.jinja_env.filters.update(local=local_time, label=label)
    app.jinja_env.globals.update(labels=labels, clock_rows=clock_rows, level_class=LEVEL_CLASSES.get,
                                 ticket_level=ticket_level, transfer_lines=urgency.TRANSFER_LINES)


def _load_user(session_id):
    """The session's user while it is active and its token version unchanged (see User.get_id)."""
    user_id, _, version = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or str(user.token_version) != version:
        return None
    return user


def _refuse_nul():
    """NUL is in no path, query or form a person makes, and PostgreSQL cannot even compare it."""
    values = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any("\x00" in value for value in values):
        raise InvalidInput("请求中含有空字符（NUL）", code="invalid_character")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HOTLINE_HSTS"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    download = response.headers.get("Content-Disposition", "").startswith("attachment")
    if is_api_request() or response.mimetype == "text/html" or download:
        # API answers, pages and downloads carry personal data: no browser or proxy keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


def _hotline_error(exc):
    """A domain error: the API's JSON, or a Chinese page with the message."""
    if is_api_request():
        return handle_hotline_error(exc)
    page, status = _error_page(exc.status, exc.message)
    return page, status, getattr(exc, "headers", {})


def _database_down(exc):
    """The database is down or unreachable: 503 with a Chinese message, logged once per request.
    Nothing to restart: the pool checks connections before use, so the next request after the
    database returns succeeds."""
    current_app.logger.error("database unavailable: %s", database_down_message(exc))
    with suppress(Exception):
        db.session.rollback()
    error = Unavailable("数据库暂时无法访问，请稍后重试；如持续出现，请联系系统管理员")
    error.headers = {"Retry-After": "5"}
    # The page's layout and Flask-Login's current_user read the database: show the bare page.
    g.pop("user", None)
    g._login_user = login_manager.anonymous_user()
    return _hotline_error(error)


def _http_error(exc):
    if is_api_request():
        return handle_http_error(exc)
    # Only the rate limiter's message is worth showing as it is; other texts are Werkzeug's English.
    return _error_page(exc.code or 500, exc.description if exc.code == 429 else None)


def _error_page(status, message):
    return render_template("errors/error.html", status=status, title=ERROR_TITLES.get(status, "出错了"),
                           message=message), status


# The sidebar's sections beyond the work queues, by the roles that see them.
NAV_SECTIONS = (
    ("督办与统计", frozenset({Role.SUPERVISOR, Role.DEPARTMENT, Role.ADMIN, Role.DISPATCHER}),
     (("/dashboard", "统计看板"), ("/reports/daily", "日报"), ("/accountability", "逾期追责"))),
    ("系统管理", frozenset({Role.ADMIN}),
     (("/admin/users", "用户"), ("/admin/departments", "承办单位"), ("/admin/categories", "诉求分类"),
      ("/admin/catalogue", "派单目录"), ("/admin/policies", "时限策略"), ("/admin/calendar", "工作日历"),
      ("/admin/knowledge", "知识库"), ("/admin/models", "分类模型"), ("/admin/webhooks", "事件推送"),
      ("/admin/open311", "Open311 接口"),
      ("/admin/audit", "审计日志"))),
)


def _layout():
    """The sidebar's queues with live counts and the unread notifications, for a signed-in user."""
    user = g.get("user")
    if user is None:
        return {}
    counts = queues.counts(user)
    sections = [(title, links) for title, roles, links in NAV_SECTIONS if roles & user.roles]
    return {"user": user, "nav_queues": [(q, counts.get(q.key, 0)) for q in queues.queues_for(user)],
            "nav_sections": sections,
            "unread": db.session.scalar(select(func.count()).select_from(
                notifications.for_user(user, True).subquery())),
            "recent_notifications": db.session.scalars(notifications.for_user(user, True).limit(5)).all(),
            "calendar_missing": _calendar_missing(user)}


def _calendar_missing(user):
    """For admins: this year and next without a holiday arrangement (the banner asks them to enter it)."""
    if Role.ADMIN not in user.roles:
        return []
    return missing_years(utcnow().astimezone(local_tz()).date())


def local_time(moment, fmt="%Y-%m-%d %H:%M"):
    """An aware datetime as the centre's wall-clock time; empty for None."""
    return moment.astimezone(local_tz()).strftime(fmt) if moment else ""


def label(code, mapping):
    """The Chinese label of a code from one of hotline.labels' mappings, e.g. {{ t.state|label('STATES') }}."""
    return getattr(labels, mapping).get(code, "—") if code is not None else "—"


def ticket_level(ticket, now=None):
    return deadlines.lateness(ticket, now or utcnow())


def clock_rows(ticket, now=None):
    """Every running or stopped clock of a ticket for display: kind, due time, level, time left."""
    now = now or utcnow()
    calendar = work_calendar()
    rows = []
    for kind, clock in deadlines.clocks_of(ticket).items():
        stop = deadlines.stopped_at(ticket, kind)
        rows.append({"kind": kind, "label": labels.DEADLINE_KINDS[kind], "due_at": clock.due_at,
                     "level": clock.level(now, stop), "stopped_at": stop,
                     "left_text": "已完成" if stop else _left_text(calendar, now, clock.due_at)})
    return rows


def _left_text(calendar, now, due_at):
    """Time left (or over) in working time; in clock time for a clock-time limit (emergencies),
    whose due time, unlike a working-time one, may fall outside working hours."""
    clock_time = calendar.working_minutes_between(due_at - timedelta(minutes=1), due_at) == 0
    if clock_time:
        minutes, unit = abs((due_at - now).total_seconds()) / 60, "自然时间"
    else:
        minutes, unit = calendar.working_minutes_between(*sorted((now, due_at))), "工作时间"
    return f"{'已超时' if due_at <= now else '剩余'} {_duration(minutes)}（{unit}）"


def _duration(minutes):
    minutes = int(minutes)
    if minutes >= 60 * 24:
        return f"{minutes // (60 * 24)} 天 {minutes % (60 * 24) // 60} 小时"
    if minutes >= 60:
        return f"{minutes // 60} 小时 {minutes % 60} 分"
    return f"{minutes} 分钟"
