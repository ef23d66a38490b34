"""create_app(): the only place an app is built (extensions, blueprints, CLI, error handlers)."""
from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, from_environment
from hotline import cli, observability, web
from hotline.accountability import api as accountability_api
from hotline.accountability import views as accountability_views
from hotline.admin import api as admin_api
from hotline.admin import views as admin_views
from hotline.api import PREFIX, JSONProvider, openapi
from hotline.auth import api as auth_api
from hotline.auth import limit_store  # noqa: F401  (registers the hotline-db:// limits storage)
from hotline.auth import views as auth_views
from hotline.directory import api as directory_api
from hotline.directory import views as calendar_views
from hotline.extensions import attach_engine_listeners, csrf, db, limiter, mark_reads_first, migrate
from hotline.intake import views as intake_views
from hotline.knowledge import api as knowledge_api
from hotline.knowledge import views as knowledge_views
from hotline.notifications import api as notifications_api
from hotline.notifications import service as notifications
from hotline.notifications import views as notifications_views
from hotline.open311 import api as open311_api
from hotline.open311 import views as open311_views
from hotline.queues import views as queue_views
from hotline.reports import api as reports_api
from hotline.reports import daily, replica
from hotline.reports import views as report_views
from hotline.revisits import views as revisit_views
from hotline.routing import api as routing_api
from hotline.routing import views as model_views
from hotline.secret import instance_secret
from hotline.tickets import api as tickets_api
from hotline.tickets import views as ticket_views
from hotline.webhooks import api as webhooks_api
from hotline.webhooks import events as webhook_events
from hotline.webhooks import views as webhooks_views

API_BLUEPRINTS = (auth_api.bp, openapi.bp, directory_api.bp, tickets_api.bp, routing_api.bp,
                  knowledge_api.bp, reports_api.bp, accountability_api.bp, notifications_api.bp, admin_api.bp,
                  webhooks_api.bp)
PAGE_BLUEPRINTS = (auth_views.bp, intake_views.bp, ticket_views.bp, queue_views.bp, revisit_views.bp,
                   notifications_views.bp, report_views.bp, accountability_views.bp, admin_views.bp,
                   calendar_views.bp, knowledge_views.bp, model_views.bp, webhooks_views.bp,
                   open311_views.bp)


def create_app(config_class=None):
    config_class = config_class or from_environment()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)
    INSTANCE_DIR.mkdir(exist_ok=True)
    if not app.config.get("SECRET_KEY") and app.config.get("HOTLINE_GENERATE_SECRET"):
        app.config["SECRET_KEY"] = instance_secret(INSTANCE_DIR)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment")
    app.json = JSONProvider(app)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            attach_engine_listeners(engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    limiter.init_app(app)
    app.before_request(mark_reads_first)
    csrf.init_app(app)
    web.init_app(app)
    observability.init_app(app)
    if app.config["HOTLINE_TRUSTED_PROXIES"]:
        # Behind nginx (deploy/nginx): the client's address and scheme as the proxies saw them, so
        # that login throttling counts per real address and secure cookies work.
        proxies = app.config["HOTLINE_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config["HOTLINE_CORS_ORIGINS"]:
        # Closed unless configured: only the named origins may call the API from a browser.
        CORS(app, resources={f"{PREFIX}/*": {"origins": app.config["HOTLINE_CORS_ORIGINS"]}},
             allow_headers=["Authorization", "Content-Type", "X-Request-ID"], expose_headers=["X-Request-ID"])
    daily.subscribe()
    replica.init_app(app)
    notifications.subscribe()
    webhook_events.subscribe()

    for blueprint in API_BLUEPRINTS:
        csrf.exempt(blueprint)  # Bearer tokens, not cookies: no cross-site request can carry one
        app.register_blueprint(blueprint, url_prefix=PREFIX)
    csrf.exempt(open311_api.bp)  # api_key in the form, no cookie: like the API, no cross-site request carries one
    app.register_blueprint(open311_api.bp)  # /open311/v2 (GeoReport v2), beside the API, not under /api/v1
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)
    cli.register(app)
    return app
