"""The 12345 hotline ticket service: create_app() is the only place an app is built."""
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import BASE_DIR, INSTANCE_DIR, from_environment
from hotline.extensions import db, limiter, migrate


def create_app(config_class=None):
    config_class = config_class or from_environment()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment")
    app.json.ensure_ascii = False
    INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    limiter.init_app(app)

    from hotline import api, cli
    from hotline.accountability import models as accountability_models  # noqa: F401
    from hotline.knowledge import api as knowledge_api  # noqa: F401
    from hotline.routing import api as routing_api, catalogue_api  # noqa: F401
    from hotline.auth import api as auth_api  # noqa: F401  (routes register on import)
    from hotline.directory import api as directory_api  # noqa: F401
    from hotline.tickets import api as tickets_api  # noqa: F401
    from hotline.reports import api as reports_api  # noqa: F401
    from hotline.accountability import api as accountability_api  # noqa: F401
    from hotline.notifications import api as notifications_api  # noqa: F401
    from hotline.jobs import api as jobs_api, clocks as job_clocks  # noqa: F401  (+ listeners)

    app.register_blueprint(api.bp)
    api.register_error_handlers(app)
    cli.register(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # IMMEDIATE takes the write lock up front, so two requests on one ticket queue
    # instead of failing on a stale snapshot; the loser then sees the new state (409).
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
