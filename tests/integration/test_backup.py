"""Backup and restore on both databases (issue 13, deployment)."""
import os

import psycopg
import pytest
from sqlalchemy import func, select

from config import database_url
from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.conftest import make_app

PG_SERVER = os.environ.get("HOTLINE_TEST_DATABASE_URL")


def _count():
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_sqlite_backup_and_restore_bring_back_exactly_the_saved_data(app, runner, factory, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("this run's PostgreSQL schema shares its database; the test below uses a database of its own")
    factory.ticket("received")
    saved = _count()
    target = tmp_path / "nightly" / "hotline.db"
    done = runner.invoke(args=["backup", str(target)])
    assert done.exit_code == 0 and "已备份到" in done.output and target.read_bytes().startswith(b"SQLite format 3")
    factory.ticket("received")
    assert _count() == saved + 1

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output and _count() == saved + 1
    done = runner.invoke(args=["restore", str(target), "--yes"])
    assert done.exit_code == 0, done.output
    assert _count() == saved


def test_a_file_that_is_not_a_backup_of_this_database_is_refused_untouched(runner, factory, tmp_path):
    factory.ticket("received")
    saved = _count()
    wrong = tmp_path / "wrong.dump"
    wrong.write_bytes(b"PGDMP" if db.engine.dialect.name == "sqlite" else b"SQLite format 3\x00")
    done = runner.invoke(args=["restore", str(wrong), "--yes"])
    assert done.exit_code != 0 and "未做任何修改" in done.output
    missing = runner.invoke(args=["restore", str(tmp_path / "none.db"), "--yes"])
    assert missing.exit_code != 0 and "不存在" in missing.output
    assert _count() == saved


def _commands(url):
    """The CLI on an app of its own over `url`, in this process (a subprocess per command costs
    an interpreter start and the app's imports each time)."""
    app = make_app(url)
    runner = app.test_cli_runner()

    def invoke(*args):
        done = runner.invoke(args=list(args))
        assert done.exit_code == 0, done.output
        return done
    return app, invoke


@pytest.mark.skipif(not PG_SERVER, reason="HOTLINE_TEST_DATABASE_URL is not set (.ci/run sets it)")
def test_postgresql_backup_and_restore_in_a_database_of_their_own(tmp_path):
    name = f"hotline_backup_{os.getpid()}"
    admin = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    app, invoke = _commands(database_url(url))
    try:
        invoke("setup")
        invoke("seed-demo")
        with psycopg.connect(url) as connection:
            users = connection.execute("SELECT count(*) FROM users").fetchone()[0]
        target = tmp_path / "hotline.dump"
        assert "已备份到" in invoke("backup", str(target)).output
        assert target.read_bytes().startswith(b"PGDMP")
        with psycopg.connect(url) as connection:
            connection.execute("DELETE FROM user_roles")
            connection.execute("DELETE FROM users WHERE username <> 'admin'")
        invoke("restore", str(target), "--yes")
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT count(*) FROM users").fetchone()[0] == users
            assert connection.execute("SELECT count(*) FROM user_roles").fetchone()[0] > 0
    finally:
        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
