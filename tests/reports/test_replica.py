"""Reports read from HOTLINE_REPORTS_DATABASE_URL when it names a replica (issue 13, deployment)."""
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from hotline.extensions import db
from tests.api.support import make_ticket, tokens  # noqa: F401
from tests.conftest import DEMO_PASSWORD, make_app, seed_app
from tests.factories import Factory


def _received(client, token):
    response = client.get("/api/v1/reports/summary", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["received"]


def test_report_queries_read_the_replica_while_the_workflow_writes_the_primary(tmp_path, app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the replica is copied with SQLite's backup API here; the query routing is the same")
    primary, replica = tmp_path / "primary.db", tmp_path / "replica.db"
    app = make_app(f"sqlite:///{primary}", SQLALCHEMY_BINDS={"reports": f"sqlite:///{replica}"})
    seed_app(app)
    with app.app_context():
        Factory().ticket("received")
        db.session.commit()
        assert str(make_url(str(db.engines["reports"].url)).database) == str(replica)
    # The "replica" is a copy taken now, as streaming replication would give it.
    source, copy = sqlite3.connect(primary), sqlite3.connect(replica)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    with app.app_context():
        Factory().ticket("received")  # written to the primary after the copy
        db.session.commit()

    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "supervisor1", "password": DEMO_PASSWORD}).json["token"]
    assert _received(client, token) == 1  # what the replica holds
    listed = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).json["total"]
    assert listed == 2  # the workflow reads and writes the primary


def test_without_a_replica_reports_read_the_primary(app, client, make_ticket, tokens):
    make_ticket("received")
    assert _received(client, tokens("supervisor1")) >= 1
