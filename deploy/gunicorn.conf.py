"""gunicorn settings for `make run` and production (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`)."""
import os
import shutil
from pathlib import Path

bind = f"{os.environ.get('HOTLINE_HOST', '127.0.0.1')}:{os.environ.get('HOTLINE_PORT', '8000')}"
workers = int(os.environ.get("HOTLINE_WORKERS", "2"))
# Threads per worker (gthread when more than one): a request waiting on the database leaves its core to
# another thread of the same worker, and every worker holds (and keeps up to date) its own models and
# similarity index, so fewer workers with threads do less of that twice.
threads = int(os.environ.get("HOTLINE_THREADS", "1"))
# No access log of gunicorn's own: the app writes one JSON line per request, with its request id
# (hotline/observability.py).
accesslog = None
# Request metrics of all workers together (prometheus_client's multiprocess mode): each worker
# writes its own files here, /metrics in any worker adds them up.
metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR")
                   or Path(__file__).resolve().parents[1] / "instance" / "prometheus")
# Set in the workers' environment (before they import the app), not in whoever reads this file.
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={metrics_dir}"]
# gunicorn's own default (4094) answers a longer request line with an HTML 414 before the app
# sees it; 8190 is its maximum, so that any path a client builds gets the app's JSON error.
limit_request_line = 8190


def on_starting(server):
    """A fresh metrics folder for each start: the files of a previous run's workers are stale."""
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Each worker builds and prunes its similarity index in a thread of its own, started here
    at boot and never inside a request; and trains its urgency model before the first call."""
    from classifier import urgency
    from hotline.routing.similar import start_maintainer

    start_maintainer(worker.wsgi)
    urgency.model()
