"""gunicorn settings for `make run` and production (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`)."""
import os

bind = f"{os.environ.get('HOTLINE_HOST', '127.0.0.1')}:{os.environ.get('HOTLINE_PORT', '8000')}"
workers = int(os.environ.get("HOTLINE_WORKERS", "2"))
accesslog = "-"
# gunicorn's own default (4094) answers a longer request line with an HTML 414 before the app
# sees it; 8190 is its maximum, so that any path a client builds gets the app's JSON error.
limit_request_line = 8190


def post_worker_init(worker):
    """Each worker builds and prunes its similarity index in a thread of its own, started here
    at boot and never inside a request; and trains its urgency model before the first call."""
    from classifier import urgency
    from hotline.routing.similar import start_maintainer

    start_maintainer(worker.wsgi)
    urgency.model()
