"""Who may call a view: token authentication for the API, and one role check for every view."""
from functools import wraps

from flask import g, request

from hotline.auth.tokens import user_from_token
from hotline.errors import Forbidden, Unauthorized
from hotline.tickets.workflow import Role

# Everyone but a pure department user works for the centre and sees all of its tickets.
CENTRE_STAFF = frozenset(Role) - {Role.DEPARTMENT}


def bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少访问令牌（Authorization: Bearer <token>）")
    return token.strip()


def token_required(view):
    """API views: the Bearer token's user becomes g.user, or 401."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.user = user_from_token(bearer_token())
        return view(*args, **kwargs)

    return wrapped


def roles_required(roles, message):
    """Refuse (403, with `message`) a signed-in g.user holding none of `roles`; goes below the
    authentication decorator of its interface."""
    roles = frozenset(roles)

    def decorate(view):
        if hasattr(view, "openapi"):
            view.openapi["errors"].setdefault(403, "")  # the OpenAPI document lists the refusal
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not g.user.roles & roles:
                raise Forbidden(message)
            return view(*args, **kwargs)

        return wrapped

    return decorate
