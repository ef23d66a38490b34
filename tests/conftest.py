"""Fixtures: one app per database backend (SQLite always, PostgreSQL when configured)."""
import os
import tempfile

import pytest
from sqlalchemy import create_engine, delete, select, text

from config import TestingConfig, database_url
from hotline.app import create_app
from hotline.auth.models import User
from hotline.directory import calendar
from hotline.directory.models import CalendarDay, CalendarYear, Category, Department, TimeLimitPolicy
from hotline.extensions import db, limiter
from hotline.knowledge.models import KnowledgeArticle
from hotline.open311.models import Open311Key
from hotline.routing.models import CatalogueEntry
from tests.factories import Factory

PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL") and database_url(os.environ["HOTLINE_TEST_DATABASE_URL"])
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
DEMO_PASSWORD = "hotline-demo"
MODEL_DIR = tempfile.mkdtemp(prefix="hotline-models-")
# Rows the tests may add; everything else (calendar, policies, demo city) is seeded once.
MUTABLE = ("webhook_deliveries", "webhook_endpoints",
           "audit_entries", "calendar_recomputes", "hotspot_snapshots", "job_runs", "job_locks",
           "daily_briefings", "notifications", "report_days", "classifier_models", "accountability_records",
           "ticket_events", "assist_opinions", "revisits", "extension_requests", "assignment_assists",
           "assignments", "open311_locations", "tickets", "open311_settings",
           "ticket_sequences", "training_requests", "revoked_tokens")


def _postgres_schema(url, schema, drop_only=False):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if not drop_only:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def make_app(url, **settings):
    config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                "HOTLINE_DEMO_PASSWORD": DEMO_PASSWORD,
                                                "HOTLINE_MODEL_DIR": MODEL_DIR,
                                                **settings})
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    if request.param == "postgresql":
        # A schema of our own, so that parallel test runs on one database never collide.
        schema = f"test_{os.getpid()}"
        _postgres_schema(PG_URL, schema)
        app = make_app(PG_URL, SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"options": f"-csearch_path={schema}"}})
    else:
        app = make_app(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    seed_app(app)
    yield app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        _postgres_schema(PG_URL, schema, drop_only=True)


def seed_app(app):
    """Set up the database and the demo city, and note what clean_app() keeps."""
    runner = app.test_cli_runner()
    for command in (["setup"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        app.config["BASELINE"] = {
            model: db.session.scalar(select(db.func.max(model.id)))
            for model in (CatalogueEntry, User, Department, Category, TimeLimitPolicy, KnowledgeArticle, Open311Key)
        }


def clean_app(app):
    """Remove what a test wrote to `app`, leaving the seeded city in place."""
    with app.app_context():
        db.session.rollback()
        for table in MUTABLE:
            db.session.execute(text(f"DELETE FROM {table}"))
        baseline = app.config["BASELINE"]
        db.session.execute(text("DELETE FROM user_roles WHERE user_id > :id"), {"id": baseline[User]})
        for model, max_id in baseline.items():
            db.session.execute(delete(model).where(model.id > max_id))
        db.session.execute(delete(CalendarDay).where(CalendarDay.source == "admin"))
        db.session.execute(delete(CalendarYear).where(CalendarYear.source == "admin"))
        db.session.commit()
    # Deleted rows' ids come back on SQLite: indexes built over them must go too.
    app.extensions.pop("hotline.similar", None)
    with app.app_context():
        limiter.reset()  # failed logins of one test must not lock out the next


@pytest.fixture(autouse=True)
def _clean(request):
    """Remove what a test wrote, leaving the seeded city in place."""
    yield
    if "app" in request.fixturenames:
        clean_app(request.getfixturevalue("app"))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self.client = client
        self._tokens = {}

    def token(self, username, password=DEMO_PASSWORD):
        if username not in self._tokens:
            response = self.client.post("/api/v1/auth/token",
                                        json={"username": username, "password": password})
            assert response.status_code == 200, response.json
            self._tokens[username] = response.json["token"]
        return self._tokens[username]

    def headers(self, username):
        return {"Authorization": f"Bearer {self.token(username)}"}


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def api(client, auth):
    """Call the API as a demo user: api("operator1").post("/tickets", json=...)."""
    class As:
        def __init__(self, username):
            self.headers = auth.headers(username)

        def get(self, path, **kw):
            return client.get(f"/api/v1{path}", headers=self.headers, **kw)

        def post(self, path, **kw):
            return client.post(f"/api/v1{path}", headers=self.headers, **kw)

    return As


@pytest.fixture
def factory(ctx):
    return Factory()


@pytest.fixture
def work_calendar(ctx):
    return calendar.work_calendar()
