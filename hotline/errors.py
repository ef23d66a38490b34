"""Domain errors; the API maps each to its HTTP status in one handler."""


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
