"""Builds tickets in any state by walking the real workflow service."""
from itertools import count

from sqlalchemy import select

from hotline.auth.models import User
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets import service

_phones = count(13800000001)

# The shortest legal path from `received` to each state, as (username, action, payload).
PATHS = {
    "received": [],
    "answered": [("operator1", "answer", {"answer": "已按政策解答"})],
    "invalid": [("operator1", "invalidate", {"reason": "骚扰电话"})],
    "dispatched": [("dispatcher1", "dispatch", "DISPATCH")],
}
PATHS["accepted"] = PATHS["dispatched"] + [("dept_housing", "sign", {})]
PATHS["return_requested"] = PATHS["accepted"] + [
    ("dept_housing", "request_return", {"reason": "不属于本单位职责"})]
PATHS["replied"] = PATHS["accepted"] + [
    ("dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"})]
PATHS["pending_revisit"] = PATHS["replied"] + [("dispatcher1", "approve_reply", {})]
PATHS["closed"] = PATHS["pending_revisit"] + [
    ("revisitor1", "revisit", {"satisfaction": "satisfied", "resolved": True})]
PATHS["merged"] = [("operator1", "merge", "MERGE")]


def ticket_data(**overrides):
    data = {
        "channel": "phone",
        "type": "complaint",
        "content": "小区电梯坏了一个星期，物业一直不修，老人上下楼很困难",
        "caller_name": "张先生",
        "caller_phone": str(next(_phones)),
        "address": "城西区桂花街道金桂苑小区7栋",
        "area": "城西区",
    }
    data.update(overrides)
    return data


class Factory:
    def user(self, username):
        return db.session.scalar(select(User).where(User.username == username))

    def department(self, code):
        return db.session.scalar(select(Department).where(Department.code == code))

    def ticket(self, state="received", now=None, **fields):
        """A committed ticket in `state`, reached through the service like a real one."""
        ticket = service.create_ticket(ticket_data(**fields), self.user("operator1"), now=now)
        for username, action, payload in PATHS[state]:
            self.act(ticket, username, action, payload, now=now)
        db.session.commit()
        return ticket

    def act(self, ticket, username, action, payload=None, now=None):
        if payload == "DISPATCH":
            payload = {"department_id": self.department("housing").id}
        elif payload == "MERGE":
            payload = {"target_number": self.ticket("received", now=now).number}
        return service.perform(ticket.number, action, self.user(username), payload or {}, now=now)
