"""Login rate limiting (SPEC §10): repeated failures are refused for a while, successes never count."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.api.support import assert_error
from tests.conftest import DEMO_PASSWORD

LOGIN = "/api/v1/auth/token"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limits(app):
    saved = app.config["HOTLINE_LOGIN_LIMIT"], app.config["HOTLINE_LOGIN_ADDRESS_LIMIT"]
    app.config["HOTLINE_LOGIN_LIMIT"], app.config["HOTLINE_LOGIN_ADDRESS_LIMIT"] = "3 per minute", "5 per minute"
    yield
    app.config["HOTLINE_LOGIN_LIMIT"], app.config["HOTLINE_LOGIN_ADDRESS_LIMIT"] = saved


def login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_a_user_name_is_locked_after_repeated_failures_even_with_the_right_password(client, limits):
    for _ in range(3):
        assert_error(login(client, "operator1", "wrong-password"), 401, "invalid_credentials")
    response = login(client, "operator1", DEMO_PASSWORD)
    error = assert_error(response, 429, "too_many_requests")
    assert error["message"] == "登录失败次数过多，请稍后再试"
    assert "token" not in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_guessing_from_many_addresses_still_counts_against_the_name(client, limits):
    for i in range(3):
        assert_error(login(client, "operator1", f"guess-{i}", address=f"10.0.1.{i}"), 401)
    assert_error(login(client, "operator1", "guess-x", address="10.0.1.99"), 429, "too_many_requests")
    # Other staff are not locked out by an attack on one name.
    assert login(client, "dispatcher1", DEMO_PASSWORD, address="10.0.1.99").status_code == 200


def test_one_address_trying_many_names_is_stopped(client, limits):
    for i in range(5):
        assert_error(login(client, f"nobody{i}", DEMO_PASSWORD, address="10.0.2.1"), 401)
    assert_error(login(client, "nobody9", DEMO_PASSWORD, address="10.0.2.1"), 429, "too_many_requests")
    assert login(client, "operator1", DEMO_PASSWORD, address="10.0.2.2").status_code == 200


def test_successful_logins_are_never_limited(client, limits):
    for _ in range(8):
        assert login(client, "operator1", DEMO_PASSWORD).status_code == 200


def test_names_differing_only_in_case_or_spaces_share_one_counter(client, limits):
    for name in ("operator1", "OPERATOR1", " Operator1 "):
        assert_error(login(client, name, "wrong-password"), 401)
    assert_error(login(client, "operator1", DEMO_PASSWORD), 429)


REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL")
WORKER = """
import sys
from config import TestingConfig
from hotline.app import create_app
from hotline.extensions import db
settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": sys.argv[1],
            "RATELIMIT_KEY_PREFIX": sys.argv[2], "HOTLINE_LOGIN_LIMIT": "3 per minute"}
app = create_app(type("Worker", (TestingConfig,), settings))
with app.app_context():
    db.create_all()
client = app.test_client()
for _ in range(int(sys.argv[3])):
    print(client.post("/api/v1/auth/token", json={"username": "operator1", "password": "x"}).status_code)
"""


@pytest.mark.skipif(not REDIS_URL, reason="HOTLINE_TEST_REDIS_URL is not set (.ci/run sets it)")
def test_workers_sharing_a_store_share_the_count(tmp_path):
    """Two processes, like two gunicorn workers: failures in one lock the name in the other."""
    prefix = f"test-{uuid.uuid4().hex}"

    def worker(attempts):
        done = subprocess.run([sys.executable, "-c", WORKER, REDIS_URL, prefix, str(attempts)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return [int(code) for code in done.stdout.split()]

    assert worker(3) == [401, 401, 401]
    assert worker(1) == [429]
