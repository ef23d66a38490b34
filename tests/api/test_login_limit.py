"""Login rate limiting (SPEC §10): repeated failures are refused for a while, successes never count."""
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.auth import throttle
from hotline.auth.limit_store import counters
from hotline.extensions import db
from tests.api.support import assert_error
from tests.conftest import DEMO_PASSWORD

LOGIN = "/api/v1/auth/token"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limits(app, monkeypatch):
    """Small limits, and the slow-down recorded instead of waited."""
    names = ("HOTLINE_LOGIN_LIMIT", "HOTLINE_LOGIN_NAME_LIMIT", "HOTLINE_LOGIN_ADDRESS_LIMIT")
    for name, value in zip(names, ("3 per minute", "4 per minute", "5 per minute"), strict=True):
        monkeypatch.setitem(app.config, name, value)
    waits = []
    monkeypatch.setattr(throttle, "sleep", waits.append)
    return waits


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_a_name_tried_from_one_address_is_refused_there_after_repeated_failures(client, limits):
    for _ in range(3):
        assert_error(login(client, "operator1", "wrong-password"), 401, "invalid_credentials")
    response = login(client, "operator1", DEMO_PASSWORD)
    error = assert_error(response, 429, "too_many_requests")
    assert error["message"] == "登录失败次数过多，请稍后再试"
    assert "token" not in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_a_stranger_cannot_lock_staff_out_from_another_address(client, limits):
    for _ in range(3):
        assert_error(login(client, "operator1", "wrong-password", address="203.0.113.9"), 401)
    assert_error(login(client, "operator1", "wrong-password", address="203.0.113.9"), 429)
    # The operator at the centre still logs in with the right password, at once.
    assert login(client, "operator1", DEMO_PASSWORD, address="10.0.0.7").status_code == 200
    assert limits == []


def test_guessing_one_name_from_many_addresses_is_slowed_not_refused(client, limits):
    for i in range(4):
        assert_error(login(client, "operator1", f"guess-{i}", address=f"10.0.1.{i}"), 401)
    assert limits == []
    assert_error(login(client, "operator1", "guess-x", address="10.0.1.99"), 401)
    assert limits == [1.0]  # waited before the password was even checked
    assert login(client, "operator1", DEMO_PASSWORD, address="10.0.1.100").status_code == 200
    assert len(limits) == 2
    # Other names are not slowed by an attack on one.
    assert login(client, "dispatcher1", DEMO_PASSWORD, address="10.0.1.101").status_code == 200
    assert len(limits) == 2


def test_one_address_spraying_many_names_is_slowed_and_admin_still_logs_in(client, limits):
    for i in range(5):
        assert_error(login(client, f"nobody{i}", DEMO_PASSWORD, address="10.0.2.1"), 401)
    assert limits == []
    response = login(client, "admin", DEMO_PASSWORD, address="10.0.2.1")
    assert response.status_code == 200 and limits == [1.0]


def test_successful_logins_are_never_limited(client, limits):
    for _ in range(8):
        assert login(client, "operator1", DEMO_PASSWORD).status_code == 200
    assert limits == []


def test_names_differing_only_in_case_or_spaces_share_one_counter(client, limits):
    for name in ("operator1", "OPERATOR1", " Operator1 "):
        assert_error(login(client, name, "wrong-password"), 401)
    assert_error(login(client, "operator1", DEMO_PASSWORD), 429)


def test_failures_are_counted_in_the_database_by_default(app, client, limits):
    assert app.config["RATELIMIT_STORAGE_URI"] == "hotline-db://"
    assert_error(login(client, "operator1", "wrong-password"), 401)
    with app.app_context():
        keys = db.session.scalars(select(counters.c.key)).all()
    assert any("login-pair" in key and "operator1" in key and "10.0.0.1" in key for key in keys)
    assert any("login-name" in key for key in keys) and any("login-address" in key for key in keys)


def test_login_time_does_not_tell_whether_a_name_exists(client, limits):
    def median(name):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            login(client, name, "wrong-password", address=f"10.9.{len(times)}.{len(name)}")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median("operator1"), median("no-such-user-anywhere")
    # The hash check dominates both; without it an unknown name answers many times faster.
    assert unknown > known / 3


REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL")
WORKER = """
import sys
from config import TestingConfig
from hotline.app import create_app
from hotline.extensions import db
settings = {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_STORAGE_URI": sys.argv[2],
            "RATELIMIT_KEY_PREFIX": sys.argv[3], "HOTLINE_LOGIN_LIMIT": "3 per minute"}
app = create_app(type("Worker", (TestingConfig,), settings))
with app.app_context():
    db.create_all()
client = app.test_client()
for _ in range(int(sys.argv[4])):
    print(client.post("/api/v1/auth/token", json={"username": "operator1", "password": "x"}).status_code)
"""


def _workers_share_the_count(database_url, storage_uri):
    """Two processes, like two gunicorn workers: failures in one lock the pair in the other."""
    prefix = f"test-{uuid.uuid4().hex}"

    def worker(attempts):
        done = subprocess.run([sys.executable, "-c", WORKER, database_url, storage_uri, prefix, str(attempts)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return [int(code) for code in done.stdout.split()]

    assert worker(3) == [401, 401, 401]
    assert worker(1) == [429]


def test_workers_share_the_count_in_the_database(tmp_path):
    _workers_share_the_count(f"sqlite:///{tmp_path / 'shared.db'}", "hotline-db://")


@pytest.mark.skipif(not REDIS_URL, reason="HOTLINE_TEST_REDIS_URL is not set (.ci/run sets it)")
def test_workers_sharing_redis_share_the_count():
    _workers_share_the_count("sqlite://", REDIS_URL)
