"""Login throttling (SPEC §10; issue 13, finding 5): keep password guessing out without letting a
stranger lock staff out.

- A name tried from one address (the pair) is refused for a while after repeated failures:
  whoever guesses there stops, while the same name from any other address still logs in.
- A name failing from many addresses, or one address failing under many names, is slowed
  down (each further attempt waits), never refused: the right password still gets in.
- Only failures count, in the limiter's storage: the database unless
  HOTLINE_RATELIMIT_STORAGE_URI names another store, so every worker and host shares them.
"""
import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from hotline.errors import HotlineError
from hotline.extensions import db, limiter

PAIR, NAME, ADDRESS = "login-pair", "login-name", "login-address"
TOO_MANY_FAILURES = "登录失败次数过多，请稍后再试"
sleep = time.sleep  # tests watch the slow-down here


class TooManyFailures(HotlineError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after):
        super().__init__(TOO_MANY_FAILURES, details={"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


def _end_transaction():
    """The counters are written on a connection of their own, so that a failure counts even
    though its request rolls back; on SQLite that connection waits for the write lock the
    request's transaction holds, so the login request (which has written nothing) ends it first."""
    db.session.rollback()


def _counted(name, address):
    """(kind, configured limits, keys) for each counter a failure adds to."""
    config = current_app.config
    return ((PAIR, config["HOTLINE_LOGIN_LIMIT"], (name, address)),
            (NAME, config["HOTLINE_LOGIN_NAME_LIMIT"], (name,)),
            (ADDRESS, config["HOTLINE_LOGIN_ADDRESS_LIMIT"], (address,)))


def attempt(username):
    """Before the password is checked: refuse an over-limit pair, wait out an over-limit name or
    address. Returns the keys for `failed`."""
    name, address = username.strip().lower(), get_remote_address()
    _end_transaction()
    strategy = limiter.limiter
    (_, pair_limits, pair), *others = _counted(name, address)
    for item in parse_many(pair_limits):
        if not strategy.test(item, PAIR, *pair):
            reset = strategy.get_window_stats(item, PAIR, *pair).reset_time
            raise TooManyFailures(max(1, math.ceil(reset - time.time())))
    if any(not strategy.test(item, kind, *keys) for kind, limits, keys in others for item in parse_many(limits)):
        sleep(current_app.config["HOTLINE_LOGIN_SLOWDOWN_SECONDS"])
    return name, address


def failed(name, address):
    _end_transaction()
    strategy = limiter.limiter
    for kind, limits, keys in _counted(name, address):
        for item in parse_many(limits):
            strategy.hit(item, kind, *keys)
