"""Where report queries read: a streaming replica when HOTLINE_REPORTS_DATABASE_URL names one
(its engine is Flask-SQLAlchemy's "reports" bind), the primary otherwise. Reports only read, so
a replica a few seconds behind is fine, and the heavy year-long queries leave the primary to
intake and the workflow."""
from flask import g
from sqlalchemy.orm import Session

from hotline.extensions import db

BIND = "reports"


def reading():
    """The session report queries use in this app context (one per context, closed at its end)."""
    engine = db.engines.get(BIND) if BIND in (db.engines or {}) else None
    if engine is None:
        return db.session
    session = g.get("_reports_session")
    if session is None:
        session = g._reports_session = Session(bind=engine)
    return session


def init_app(app):
    @app.teardown_appcontext
    def _close(_exc):
        session = g.pop("_reports_session", None)
        if session is not None:
            session.close()
