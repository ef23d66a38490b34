"""GET /tickets: pagination and every filter, each checked against tickets made for it."""
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from hotline.timeutil import utcnow
from tests.api.support import api, department_ids, make_ticket, tokens  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")


def listed(api, query="", username="operator1"):
    """The numbers a list request returns, after checking the page's shape."""
    response = api(username).get(f"/tickets?{query}")
    assert response.status_code == 200, response.json
    assert set(response.json) == {"items", "total", "page", "per_page"}
    return [item["number"] for item in response.json["items"]]


def named(tickets, names):
    return {tickets[name] for name in names}


# --- pagination --------------------------------------------------------------------------

def test_pages_run_newest_first_and_end_empty(api, make_ticket):
    made = [make_ticket() for _ in range(5)]
    newest_first = made[::-1]
    for page, expected in [(1, newest_first[:2]), (2, newest_first[2:4]), (3, newest_first[4:]), (4, [])]:
        response = api("operator1").get(f"/tickets?per_page=2&page={page}")
        assert response.status_code == 200, response.json
        body = response.json
        assert [t["number"] for t in body["items"]] == expected
        assert (body["total"], body["page"], body["per_page"]) == (5, page, 2)


def test_default_page_holds_20(api, make_ticket):
    made = {make_ticket() for _ in range(21)}
    first = api("operator1").get("/tickets").json
    assert (len(first["items"]), first["total"], first["page"], first["per_page"]) == (20, 21, 1, 20)
    second = listed(api, "page=2")
    assert len(second) == 1 and {t["number"] for t in first["items"]} | set(second) == made


def test_per_page_accepts_its_maximum(api, make_ticket):
    made = {make_ticket() for _ in range(3)}
    assert set(listed(api, "per_page=100")) == made


# --- field filters -----------------------------------------------------------------------

@pytest.fixture
def tickets(make_ticket, department_ids):
    """Five tickets that differ in state, department, urgency, type and channel."""
    to_transport = [("dispatcher1", "dispatch", {"department_id": department_ids["transport"]})]
    return {
        "received": make_ticket("received", channel="phone", type="complaint", urgency="normal"),
        "dispatched": make_ticket("dispatched", channel="web", type="consult", urgency="urgent"),
        "accepted": make_ticket("accepted", channel="wechat", type="report", urgency="emergency"),
        "transport": make_ticket("received", steps=to_transport, channel="app", type="help"),
        "closed": make_ticket("closed", channel="web", type="complaint"),
    }


FIELD_FILTERS = {
    "state=received": {"received"},
    "state=dispatched": {"dispatched", "transport"},
    "state=closed": {"closed"},
    "state=replied": set(),
    "department_id=@housing": {"dispatched", "accepted", "closed"},
    "department_id=@transport": {"transport"},
    "urgency=urgent": {"dispatched"},
    "urgency=emergency": {"accepted"},
    "urgency=normal": {"received", "transport", "closed"},
    "type=complaint": {"received", "closed"},
    "type=help": {"transport"},
    "channel=web": {"dispatched", "closed"},
    "channel=phone": {"received"},
    "channel=web&type=complaint": {"closed"},
    "state=dispatched&department_id=@housing": {"dispatched"},
}


def test_filter_by_field(api, tickets, department_ids):
    # One set of tickets serves every query: making them costs far more than asking.
    def ask(query):
        return set(listed(api, re.sub(r"@(\w+)", lambda m: str(department_ids[m[1]]), query)))

    assert {query: ask(query) for query in FIELD_FILTERS} == {
        query: named(tickets, names) for query, names in FIELD_FILTERS.items()}
    counted = api("operator1").get("/tickets?channel=web&per_page=1").json
    assert counted["total"] == 2 and len(counted["items"]) == 1


# --- overdue -----------------------------------------------------------------------------

@pytest.fixture
def lateness_cases(make_ticket):
    """Tickets handled a month ago are past their time limits unless they left the department."""
    month_ago = utcnow() - timedelta(days=30)
    return {
        "unsigned": make_ticket("dispatched", now=month_ago),
        "unreplied": make_ticket("accepted", now=month_ago),
        "fresh": make_ticket("dispatched"),
        "old_received": make_ticket("received", now=month_ago),
        "old_replied": make_ticket("replied", now=month_ago),
    }


def test_filter_overdue(api, lateness_cases):
    assert set(listed(api, "overdue=true")) == named(lateness_cases, {"unsigned", "unreplied"})
    assert set(listed(api, "overdue=false")) == named(lateness_cases, {"fresh", "old_received", "old_replied"})
    late = api("operator1").get("/tickets?overdue=true").json["items"]
    assert {t["lateness"] for t in late} <= {"overdue", "severely_overdue"}
    assert api("operator1").get(f"/tickets/{lateness_cases['fresh']}").json["lateness"] == "on_time"


# --- text search -------------------------------------------------------------------------

@pytest.fixture
def texts(make_ticket):
    return {
        "lamp": make_ticket(content="城东路的路灯已经坏了三天，晚上走路很黑", address="城东区幸福路88号"),
        "noise": make_ticket(content="楼下烧烤店每天营业到凌晨三点，油烟和声音都很大",
                             address="城西区和平街12号", subject="夜间经营扰民"),
        "water": make_ticket(content="水费比上个月多了50%，怀疑水表有问题", address="北区青年路1号"),
        "dispatched_lamp": make_ticket("dispatched", content="小区门口路灯一直闪，影响休息"),
    }


TEXT_FILTERS = {
    "路灯": {"lamp", "dispatched_lamp"},  # content
    "和平街": {"noise"},  # address
    "夜间经营": {"noise"},  # subject
    "  路灯  ": {"lamp", "dispatched_lamp"},  # trimmed
    "50%": {"water"},
    "%": {"water"},  # LIKE wildcards are taken literally
    "_": set(),
    "地铁施工": set(),
}


def test_filter_by_text(api, texts):
    assert {q: set(listed(api, "q=" + quote(q))) for q in TEXT_FILTERS} == {
        q: named(texts, names) for q, names in TEXT_FILTERS.items()}


def test_filter_by_number(api, texts):
    assert listed(api, f"q={texts['noise']}") == [texts["noise"]]


def test_text_filter_combines_with_others(api, texts):
    assert listed(api, "q=" + quote("路灯") + "&state=dispatched") == [texts["dispatched_lamp"]]
    assert set(listed(api, "q=" + quote("路") + "&state=received")) == named(texts, {"lamp", "water"})



# --- creation dates ----------------------------------------------------------------------

def local(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def dated(make_ticket):
    """Tickets taken either side of local midnight, where the UTC date differs."""
    return {
        "mar2_0700": make_ticket(now=local(2, 7)),     # 2026-03-01 23:00 UTC
        "mar2_1000": make_ticket(now=local(2, 10)),
        "mar2_2330": make_ticket(now=local(2, 23, 30)),
        "mar3_0030": make_ticket(now=local(3, 0, 30)),  # 2026-03-02 16:30 UTC
        "mar5_0900": make_ticket(now=local(5, 9)),
    }


ALL_DATED = {"mar2_0700", "mar2_1000", "mar2_2330", "mar3_0030", "mar5_0900"}


DATE_FILTERS = {
    "created_from=2026-03-03": {"mar3_0030", "mar5_0900"},
    "created_to=2026-03-02": {"mar2_0700", "mar2_1000", "mar2_2330"},
    "created_from=2026-03-03&created_to=2026-03-04": {"mar3_0030"},
    "created_from=2026-03-02&created_to=2026-03-05": ALL_DATED,
    "created_from=2026-03-06": set(),
    "created_to=2026-03-01": set(),
    "created_from=" + quote("2026-03-02T12:00:00+08:00"): {"mar2_2330", "mar3_0030", "mar5_0900"},
    "created_from=2026-03-02T08:00:00Z": {"mar2_2330", "mar3_0030", "mar5_0900"},
    "created_to=2026-03-02T12:00:00": {"mar2_0700", "mar2_1000"},
    # A midnight moment is an instant, not a whole day, and keeps its offset.
    "created_to=" + quote("2026-03-03T00:00:00+08:00"): {"mar2_0700", "mar2_1000", "mar2_2330"},
    "created_from=2026-03-02T00:00:00Z": ALL_DATED - {"mar2_0700"},
}


def test_filter_by_creation_date(api, dated):
    assert {query: set(listed(api, query)) for query in DATE_FILTERS} == {
        query: named(dated, names) for query, names in DATE_FILTERS.items()}
