"""Values each process keeps per app and recomputes at most every HOTLINE_ROUTING_REFRESH_SECONDS.

Intake reads the directory, the dispatch catalogue, the knowledge base and the list of active
models on every call; these change rarely, so each worker looks again only after the interval.
"""
import threading
import time

from flask import current_app


class Refreshed:
    """One value per app, made by `load()` and kept for the refresh interval."""

    def __init__(self, load):
        self._load = load
        self._lock = threading.Lock()
        self._values = {}  # id(app) → (when loaded, value)

    def get(self):
        app = current_app._get_current_object()
        with self._lock:
            loaded_at, value = self._values.get(id(app), (None, None))
        if loaded_at is None or time.monotonic() - loaded_at >= app.config["HOTLINE_ROUTING_REFRESH_SECONDS"]:
            value = self._load()
            with self._lock:
                self._values[id(app)] = (time.monotonic(), value)
        return value

    def clear(self):
        with self._lock:
            self._values.clear()
