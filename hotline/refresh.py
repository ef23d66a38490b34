"""Per-app state kept in `app.extensions`, and values recomputed at most every refresh interval.

Intake reads the directory, the dispatch catalogue, the knowledge base and the list of active
models on every call; these change rarely, so each worker looks again only after the interval.
"""
import threading
import time

from flask import current_app


def app_state(key, factory):
    """The current app's own object under `key` in app.extensions, made once by `factory()`."""
    extensions = current_app.extensions
    state = extensions.get(key)
    if state is None:
        state = extensions.setdefault(key, factory())  # a racing thread's object wins once
    return state


class _Slot:
    def __init__(self):
        self.lock = threading.Lock()
        self.loaded_at, self.value = None, None


class Refreshed:
    """One value per app, made by `load()` and kept for HOTLINE_ROUTING_REFRESH_SECONDS."""

    def __init__(self, name, load):
        self._key = f"hotline.refreshed.{name}"
        self._load = load

    def get(self):
        slot = app_state(self._key, _Slot)
        interval = current_app.config["HOTLINE_ROUTING_REFRESH_SECONDS"]
        with slot.lock:
            loaded_at, value = slot.loaded_at, slot.value
        if loaded_at is None or time.monotonic() - loaded_at >= interval:
            value = self._load()
            with slot.lock:
                slot.loaded_at, slot.value = time.monotonic(), value
        return value

    def clear(self):
        current_app.extensions.pop(self._key, None)
