"""Locust users for bench/load.py; LOAD_SCENARIO picks what they do:

- mixed:    operators take calls (POST /tickets with suggestions), dispatchers list and dispatch,
            departments sign, everyone opens details, supervisors read the dashboard figures;
- intake:   POST /tickets with suggestions only;
- classify: POST /classify only (the suggestion part of intake);
- floor:    POST /bench/floor only (a bare insert on the same stack).

Users are FastHttpUser (geventhttpclient): the load runs on the same two cores as the server, and a
request costs this client several times less CPU than HttpUser's requests session, CPU that would
otherwise be taken from the server being measured.
"""
import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, task

SCENARIO = os.environ.get("LOAD_SCENARIO", "mixed")
CALLS = [line for line in open(os.environ["LOAD_TEXTS"], encoding="utf-8").read().splitlines() if line]
AREAS = ("城东区", "城西区", "高新区", "江北区")
_received, _dispatched = [], []
_lock = threading.Lock()
_counter = itertools.count()


def _call():
    n = next(_counter)
    return {"channel": "phone", "type": "complaint", "content": CALLS[n % len(CALLS)],
            "caller_phone": f"138{n % 100_000_000:08d}", "area": AREAS[n % len(AREAS)],
            "address": f"{AREAS[n % len(AREAS)]}幸福路{n % 300}号"}


class Staff(FastHttpUser):
    wait_time = between(0, 0)  # as fast as each user can: the figures are capacity, not a workday
    # Signed in once by bench/load.py: password hashing is not what this measures.
    tokens = {name: {"Authorization": f"Bearer {token}"}
              for name, token in json.loads(os.environ["LOAD_TOKENS"]).items()}
    housing = int(os.environ["LOAD_HOUSING_ID"])

    def _as(self, username):
        return Staff.tokens[username]

    @task
    def work(self):
        {"mixed": self._mixed, "intake": self._intake, "classify": self._classify, "floor": self._floor}[SCENARIO]()

    def _intake(self):
        response = self.client.post("/api/v1/tickets", json=_call(), headers=self._as("operator1"),
                                    name="POST /tickets")
        if response.status_code == 201:
            with _lock:
                _received.append(response.json()["number"])
                del _received[:-1000]

    def _classify(self):
        call = _call()
        self.client.post("/api/v1/classify", json={"content": call["content"], "area": call["area"]},
                         headers=self._as("operator1"), name="POST /classify")

    def _floor(self):
        self.client.post("/bench/floor", json=_call(), name="POST /bench/floor")

    def _mixed(self):
        roll = random.random()
        if roll < 0.35:
            self._intake()
        elif roll < 0.50:
            self.client.get("/api/v1/tickets?state=received&per_page=20", headers=self._as("dispatcher1"),
                            name="GET /tickets?state=")
        elif roll < 0.62:
            with _lock:
                number = _received.pop() if _received else None
            if number:
                response = self.client.post(f"/api/v1/tickets/{number}/dispatch", json={"department_id": Staff.housing},
                                            headers=self._as("dispatcher1"), name="POST /tickets/<n>/dispatch")
                if response.status_code == 200:
                    with _lock:
                        _dispatched.append(number)
        elif roll < 0.72:
            with _lock:
                number = _dispatched.pop() if _dispatched else None
            if number:
                self.client.post(f"/api/v1/tickets/{number}/sign", json={}, headers=self._as("dept_housing"),
                                 name="POST /tickets/<n>/sign")
        elif roll < 0.90:
            with _lock:
                number = random.choice(_received) if _received else None
            if number:
                self.client.get(f"/api/v1/tickets/{number}", headers=self._as("dispatcher1"), name="GET /tickets/<n>")
        elif roll < 0.95:
            self.client.get("/api/v1/reports/summary", headers=self._as("supervisor1"), name="GET /reports/summary")
        else:
            self.client.get("/api/v1/reports/departments", headers=self._as("supervisor1"),
                            name="GET /reports/departments")
