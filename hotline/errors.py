"""Domain errors; the API maps each to its HTTP status in one handler."""
from contextlib import suppress

from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError


class HotlineError(Exception):
    status = 400
    code = "invalid_input"

    def __init__(self, message, details=None, code=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class InvalidInput(HotlineError):
    status = 400
    code = "invalid_input"


class Unauthorized(HotlineError):
    status = 401
    code = "unauthorized"


class Forbidden(HotlineError):
    status = 403
    code = "forbidden"


class NotFound(HotlineError):
    status = 404
    code = "not_found"


class InvalidTransition(HotlineError):
    status = 409
    code = "invalid_transition"


class Conflict(HotlineError):
    status = 409
    code = "conflict"


class Unavailable(HotlineError):
    status = 503
    code = "database_unavailable"


# What a database that is down, missing or unreachable raises (SQLite's "database is locked" too:
# a retry later succeeds).
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down_message(exc):
    """One line for the operator of the service: which database, what the driver said, what to check."""
    url = "（未知）"
    with suppress(Exception):
        from flask import current_app

        url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    said = str(getattr(exc, "orig", None) or exc).strip()
    reason = said.splitlines()[0] if said else type(exc).__name__
    return f"无法使用数据库 {url}：{reason}。请检查 DATABASE_URL 和数据库服务是否已启动。"
