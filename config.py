"""Configuration classes; every secret and location comes from the environment."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name, default):
    return int(os.environ.get(name, default))


def database_url(url):
    """Plain postgresql:// URLs (as most platforms give them) use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hotline.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Report queries read from a replica when one is named (hotline/reports/replica.py).
    SQLALCHEMY_BINDS = ({"reports": database_url(os.environ["HOTLINE_REPORTS_DATABASE_URL"])}
                        if os.environ.get("HOTLINE_REPORTS_DATABASE_URL") else {})
    MAX_CONTENT_LENGTH = 1024 * 1024
    # The web session: HttpOnly and SameSite=Lax always, Secure in production (below).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = _env_int("HOTLINE_SESSION_MAX_AGE", 12 * 3600)
    # A form's CSRF token lives as long as the session that issued it: a shift-long open page works.
    WTF_CSRF_TIME_LIMIT = None

    HOTLINE_TIMEZONE = os.environ.get("HOTLINE_TIMEZONE", "Asia/Shanghai")
    # Working hours as "HH:MM-HH:MM" ranges separated by commas.
    HOTLINE_WORKING_HOURS = os.environ.get("HOTLINE_WORKING_HOURS", "09:00-12:00,13:30-17:30")
    HOTLINE_TOKEN_MAX_AGE = _env_int("HOTLINE_TOKEN_MAX_AGE", 12 * 3600)
    # Failed logins (hotline/auth/throttle.py), in the notation of the `limits` library: a name
    # tried from one address is refused past HOTLINE_LOGIN_LIMIT; a name failing from many
    # addresses past HOTLINE_LOGIN_NAME_LIMIT, or one address under many names past
    # HOTLINE_LOGIN_ADDRESS_LIMIT, only waits HOTLINE_LOGIN_SLOWDOWN_SECONDS per attempt.
    HOTLINE_LOGIN_LIMIT = os.environ.get("HOTLINE_LOGIN_LIMIT", "5 per minute;20 per hour")
    HOTLINE_LOGIN_NAME_LIMIT = os.environ.get("HOTLINE_LOGIN_NAME_LIMIT", "10 per 15 minutes")
    HOTLINE_LOGIN_ADDRESS_LIMIT = os.environ.get("HOTLINE_LOGIN_ADDRESS_LIMIT", "30 per minute;200 per hour")
    HOTLINE_LOGIN_SLOWDOWN_SECONDS = float(os.environ.get("HOTLINE_LOGIN_SLOWDOWN_SECONDS", 1.0))
    # The counters' store, shared by every worker: the database itself unless a URI of the
    # `limits` library names another (redis://host:6379).
    RATELIMIT_STORAGE_URI = os.environ.get("HOTLINE_RATELIMIT_STORAGE_URI", "hotline-db://")
    RATELIMIT_HEADERS_ENABLED = True
    HOTLINE_RETURN_WINDOW_DAYS = _env_int("HOTLINE_RETURN_WINDOW_DAYS", 2)
    HOTLINE_MAX_EXTENSION_DAYS = _env_int("HOTLINE_MAX_EXTENSION_DAYS", 10)
    HOTLINE_REVISIT_DAYS = _env_int("HOTLINE_REVISIT_DAYS", 2)
    HOTLINE_SEVERE_AFTER_DAYS = _env_int("HOTLINE_SEVERE_AFTER_DAYS", 5)
    HOTLINE_UNREACHABLE_ATTEMPTS = _env_int("HOTLINE_UNREACHABLE_ATTEMPTS", 3)
    HOTLINE_REVISIT_CLAIM_MINUTES = _env_int("HOTLINE_REVISIT_CLAIM_MINUTES", 10)
    HOTLINE_DEMO_PASSWORD = os.environ.get("HOTLINE_DEMO_PASSWORD", "hotline-demo")
    # The Open311 API key seed-demo creates for the demo civic app (hotline/open311/).
    HOTLINE_OPEN311_API_KEY = os.environ.get("HOTLINE_OPEN311_API_KEY", "open311-demo-key")
    HOTLINE_MODEL_DIR = os.environ.get("HOTLINE_MODEL_DIR", str(INSTANCE_DIR / "models"))
    # Below this top-department probability the suggestion is flagged for manual routing.
    HOTLINE_SUGGESTION_MIN_CONFIDENCE = float(os.environ.get("HOTLINE_SUGGESTION_MIN_CONFIDENCE", 0.5))
    HOTLINE_DEPARTMENT_MODEL_MIN = _env_int("HOTLINE_DEPARTMENT_MODEL_MIN", 500)
    HOTLINE_DEPARTMENT_MODEL_WEIGHT = float(os.environ.get("HOTLINE_DEPARTMENT_MODEL_WEIGHT", 0.5))
    HOTLINE_SIMILAR_DAYS = _env_int("HOTLINE_SIMILAR_DAYS", 30)
    HOTLINE_SIMILAR_MIN_SCORE = float(os.environ.get("HOTLINE_SIMILAR_MIN_SCORE", 0.35))
    # How often each worker drops closed and expired tickets from its similarity index.
    HOTLINE_SIMILAR_PRUNE_SECONDS = _env_int("HOTLINE_SIMILAR_PRUNE_SECONDS", 3600)
    # At most this many open tickets (the newest) in each worker's similarity index: about 8 KB each, so
    # that a backlog of open tickets cannot exhaust the workers' memory.
    HOTLINE_SIMILAR_MAX_TICKETS = _env_int("HOTLINE_SIMILAR_MAX_TICKETS", 200_000)
    # How stale what intake reads on every call may be: categories, departments, the dispatch
    # catalogue, the knowledge base and which models are active.
    HOTLINE_ROUTING_REFRESH_SECONDS = _env_int("HOTLINE_ROUTING_REFRESH_SECONDS", 30)
    # Days after a ticket is finished before the caller's name, phone and ID number are removed
    # (hotline/tickets/retention.py; the personal_data_retention job, daily).
    HOTLINE_PERSONAL_DATA_RETENTION_DAYS = _env_int("HOTLINE_PERSONAL_DATA_RETENTION_DAYS", 730)
    # Job runs older than this are forgotten (each job's latest is kept).
    HOTLINE_JOB_RUN_RETENTION_DAYS = _env_int("HOTLINE_JOB_RUN_RETENTION_DAYS", 30)
    # /readyz: the scheduler counts as alive while some job finished within this many seconds
    # (the deadline sweep runs every minute).
    HOTLINE_SCHEDULER_STALE_SECONDS = _env_int("HOTLINE_SCHEDULER_STALE_SECONDS", 300)
    # Webhook deliveries: how long one POST may wait for the receiver's answer (hotline/webhooks/).
    HOTLINE_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_WEBHOOK_TIMEOUT_SECONDS", 5))
    # Networks webhooks may go to although they are not public (comma-separated CIDRs, e.g.
    # 10.20.0.0/16): a city's own receivers often sit on its 10.x network. None by default: every
    # private, loopback, link-local … address is refused (hotline/webhooks/addresses.py).
    HOTLINE_WEBHOOK_ALLOWED_NETWORKS = [
        n.strip() for n in os.environ.get("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if n.strip()]
    # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto/-Host; 0: none.
    HOTLINE_TRUSTED_PROXIES = _env_int("HOTLINE_TRUSTED_PROXIES", 0)
    # Browser origins allowed to call the API (comma-separated, e.g. https://app.city.gov.cn);
    # none by default.
    HOTLINE_CORS_ORIGINS = [o.strip() for o in os.environ.get("HOTLINE_CORS_ORIGINS", "").split(",") if o.strip()]
    # /metrics answers loopback callers, and others that send this as their Bearer token.
    HOTLINE_METRICS_TOKEN = os.environ.get("HOTLINE_METRICS_TOKEN")


class DevelopmentConfig(Config):
    # Without SECRET_KEY, `make run` generates a random key on first run and keeps it in
    # instance/secret_key (hotline/secret.py); production requires SECRET_KEY.
    HOTLINE_GENERATE_SECRET = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = secrets.token_urlsafe(32)  # a new key for every test run
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("HOTLINE_TEST_DATABASE_URL", "sqlite://"))
    HOTLINE_ROUTING_REFRESH_SECONDS = 0  # tests edit the catalogue and look at once


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # Production is served over TLS only (deploy/nginx): browsers are told to never use plain HTTP.
    HOTLINE_HSTS = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def from_environment():
    return CONFIGS[os.environ.get("HOTLINE_ENV", "development")]
