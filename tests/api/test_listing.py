"""GET /tickets: pagination and every filter, each checked against tickets made for it."""
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from hotline.directory.models import Category
from hotline.extensions import db
from hotline.tickets.models import Ticket
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


# --- filters added for the list page (issue: list filters) -------------------------------

@pytest.fixture
def set_columns(app):
    """Write columns of a committed ticket directly: clocks at chosen moments, whatever the calendar."""
    def write(number, **columns):
        with app.app_context():
            ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
            for name, value in columns.items():
                setattr(ticket, name, value)
            db.session.commit()

    return write


def clock(kind, warn, due, severe):
    return {f"{kind}_warn_at": warn, f"{kind}_due_at": due, f"{kind}_severe_at": severe}


@pytest.fixture
def levels(make_ticket, set_columns):
    """One ticket per lateness level, judged at now, plus tickets whose clocks do not run."""
    now, hour, day = utcnow(), timedelta(hours=1), timedelta(days=1)
    made = {name: make_ticket("dispatched") for name in ("warning", "overdue", "severe", "fresh")}
    made.update(received=make_ticket("received"), old_replied=make_ticket("replied", now=now - 30 * day),
                contact_overdue=make_ticket("accepted"))
    set_columns(made["warning"], **clock("sign", now - hour, now + hour, now + day))
    set_columns(made["overdue"], **clock("sign", now - 2 * hour, now - hour, now + day))
    set_columns(made["severe"], **clock("complete", now - 3 * day, now - 2 * day, now - day))
    set_columns(made["fresh"], **clock("sign", now + hour, now + 2 * hour, now + day))
    # A clock other than sign/complete counts too, and a stopped one does not.
    set_columns(made["contact_overdue"], **clock("contact", now - 2 * hour, now - hour, now + day),
                **clock("sign", now - 3 * hour, now - 2 * hour, now - hour))
    return made


LATENESS_FILTERS = {
    "lateness=on_time": {"fresh", "received", "old_replied"},
    "lateness=warning": {"warning"},
    "lateness=overdue": {"overdue", "contact_overdue"},
    "lateness=severely_overdue": {"severe"},
    "lateness=overdue&state=accepted": {"contact_overdue"},
}


def test_filter_by_lateness(api, levels):
    assert {q: set(listed(api, q)) for q in LATENESS_FILTERS} == {
        q: named(levels, names) for q, names in LATENESS_FILTERS.items()}
    items = api("operator1").get("/tickets?lateness=severely_overdue").json["items"]
    assert [t["lateness"] for t in items] == ["severely_overdue"]


@pytest.fixture
def spells(make_ticket, set_columns):
    """Tickets whose current spell met or missed its sign and complete time limits."""
    now, day = utcnow(), timedelta(days=1)
    made = {
        "signed_late": make_ticket("accepted"),
        "unsigned_past": make_ticket("dispatched"),
        "signed_in_time": make_ticket("accepted"),
        "replied_late": make_ticket("replied"),
        "unreplied_past": make_ticket("accepted"),
        "fresh": make_ticket("dispatched"),
        "received": make_ticket("received"),
    }
    set_columns(made["signed_late"], sign_due_at=now - 2 * day, signed_at=now - day)
    set_columns(made["unsigned_past"], sign_due_at=now - day)
    set_columns(made["signed_in_time"], sign_due_at=now + day, signed_at=now - day)
    set_columns(made["replied_late"], complete_due_at=now - 2 * day, replied_at=now - day)
    set_columns(made["unreplied_past"], complete_due_at=now - day)
    return made


def test_filter_by_missed_time_limit(api, spells):
    assert set(listed(api, "late=sign")) == named(spells, {"signed_late", "unsigned_past"})
    assert set(listed(api, "late=complete")) == named(spells, {"replied_late", "unreplied_past"})


@pytest.fixture
def due_dated(make_ticket, set_columns):
    """Tickets due either side of local midnight, where the UTC date differs."""
    made = {name: make_ticket("dispatched") for name in ("mar2_0700", "mar2_2330", "mar3_0030")}
    for name, moment in (("mar2_0700", local(2, 7)), ("mar2_2330", local(2, 23, 30)),
                         ("mar3_0030", local(3, 0, 30))):
        set_columns(made[name], sign_due_at=moment, complete_due_at=moment + timedelta(days=10))
    made["undispatched"] = make_ticket("received")
    return made


DUE_FILTERS = {
    "sign_due_from=2026-03-03": {"mar3_0030"},
    "sign_due_to=2026-03-02": {"mar2_0700", "mar2_2330"},
    "sign_due_from=2026-03-02&sign_due_to=2026-03-02": {"mar2_0700", "mar2_2330"},
    "sign_due_from=" + quote("2026-03-02T12:00:00+08:00"): {"mar2_2330", "mar3_0030"},
    "complete_due_from=2026-03-13": {"mar3_0030"},
    "complete_due_to=2026-03-12": {"mar2_0700", "mar2_2330"},
    "complete_due_to=2026-03-01": set(),
    "complete_due_to=2026-03-12T12:00:00": {"mar2_0700"},
}


def test_filter_by_due_dates(api, due_dated):
    assert {q: set(listed(api, q)) for q in DUE_FILTERS} == {
        q: named(due_dated, names) for q, names in DUE_FILTERS.items()}


def test_sort_orders(api, due_dated):
    d = due_dated
    early_first = [d["mar2_0700"], d["mar2_2330"], d["mar3_0030"]]
    assert listed(api, "sort=sign_due_at") == early_first + [d["undispatched"]]
    assert listed(api, "sort=complete_due_at") == early_first + [d["undispatched"]]
    assert listed(api, "sort=-complete_due_at") == early_first[::-1] + [d["undispatched"]]
    assert listed(api, "sort=created_at") == [d[n] for n in ("mar2_0700", "mar2_2330", "mar3_0030",
                                                             "undispatched")]
    assert listed(api, "sort=-created_at") == listed(api) == listed(api, "sort=created_at")[::-1]


@pytest.fixture
def categorised(make_ticket, app):
    """Tickets in a leaf category, in its parent, and in another top-level branch."""
    with app.app_context():
        ids = dict(db.session.execute(select(Category.name, Category.id)).tuples().all())
        parents = dict(db.session.execute(select(Category.id, Category.parent_id)).tuples().all())
    leaf = ids["物业服务"]
    other_top = next(i for i, parent in parents.items() if parent is None and i != parents[parents[leaf]])
    other_leaf = next(i for i, parent in parents.items() if parent in {
        c for c, p in parents.items() if p == other_top})
    made = {"leaf": make_ticket(category_id=leaf), "middle": make_ticket(category_id=parents[leaf]),
            "other": make_ticket(category_id=other_leaf), "none": make_ticket()}
    return made, {"top": parents[parents[leaf]], "middle": parents[leaf], "leaf": leaf, "other_top": other_top}


def test_filter_by_category_includes_sub_categories(api, categorised):
    made, ids = categorised
    assert set(listed(api, f"category_id={ids['top']}")) == named(made, {"leaf", "middle"})
    assert set(listed(api, f"category_id={ids['middle']}")) == named(made, {"leaf", "middle"})
    assert set(listed(api, f"category_id={ids['leaf']}")) == named(made, {"leaf"})
    assert set(listed(api, f"category_id={ids['other_top']}")) == named(made, {"other"})


def test_filter_by_area_satisfaction_and_phone(api, make_ticket):
    revisit = [("revisitor1", "revisit", {"satisfaction": "basically_satisfied", "resolved": True})]
    made = {
        "east": make_ticket(area="城东区", caller_phone="13912345678"),
        "west": make_ticket(area="城西区", caller_phone="13912345679"),
        "satisfied": make_ticket("closed", area="城西区"),
        "basically": make_ticket("pending_revisit", steps=revisit, area="江北区"),
    }
    assert set(listed(api, "area=" + quote("城东区"))) == named(made, {"east"})
    assert set(listed(api, "area=" + quote("城西区"))) == named(made, {"west", "satisfied"})
    assert set(listed(api, "satisfaction=satisfied")) == named(made, {"satisfied"})
    assert set(listed(api, "satisfaction=basically_satisfied")) == named(made, {"basically"})
    assert listed(api, "caller_phone=13912345678") == [made["east"]]
    assert listed(api, "caller_phone=1391234567") == []
    # A search that looks like a phone number finds the caller's tickets, exactly.
    assert listed(api, "q=13912345679") == [made["west"]]
    assert listed(api, "q=139123456") == []


def test_department_user_filters_only_its_own_tickets(api, make_ticket):
    housing = make_ticket("dispatched", caller_phone="13912340000")
    make_ticket("received", caller_phone="13912340000")
    assert listed(api, "caller_phone=13912340000", "dept_housing") == [housing]
    assert listed(api, "caller_phone=13912340000", "dept_transport") == []


@pytest.mark.parametrize("query", [
    "lateness=late", "late=revisit", "sort=state", "sort=-sign_due_at", "satisfaction=happy",
    "caller_phone=abc", "category_id=0", "category_id=x", "sign_due_from=2026-13-01",
    "complete_due_to=yesterday", "area=" + "区" * 51,
])
def test_bad_new_filters_are_refused(api, query):
    response = api("operator1").get(f"/tickets?{query}")
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_input"


# --- cost ----------------------------------------------------------------------------------

def test_a_page_costs_the_same_statements_however_many_tickets_it_holds(app, api, make_ticket, department_ids):
    # Each listed ticket's answer reads its assisting departments, a pending extension and the ticket it
    # was merged into: loaded ticket by ticket, every row cost two or three more queries (issue 13).
    dispatch = ("dispatcher1", "dispatch", {"department_id": department_ids["housing"],
                                            "assisting_department_ids": [department_ids["water"]]})
    extension = ("dept_housing", "request_extension", {"days": 2, "reason": "需要协调施工队"})
    for _ in range(6):
        make_ticket("received", steps=[dispatch, ("dept_housing", "sign", {}), extension])

    def statements(per_page):
        seen = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            response = api("dispatcher1").get(f"/tickets?state=accepted&per_page={per_page}")
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert response.status_code == 200, response.json
        items = response.json["items"]
        assert len(items) == per_page
        assert all(item["pending_extension_days"] == 2 and item["assisting_department_ids"] == [department_ids["water"]]
                   for item in items)
        return len(seen)

    statements(1)  # signs in and fills the caches
    assert statements(6) == statements(2)
