"""The dispatcher's and the department's queue pages through the Flask client."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.jobs.sweep import deadline_sweep
from hotline.tickets.models import Ticket, TicketEvent
from hotline.timeutil import utcnow
from tests.factories import Factory

CONFLICT_TEXT = "该工单已被他人更新"


@pytest.fixture
def make(app):
    """make(state, steps=(), **fields) → (number, version) of a committed ticket, in its own app context."""
    def make_ticket(state="received", steps=(), now=None, **fields):
        with app.app_context():
            factory = Factory()
            ticket = factory.ticket(state, now=now, **fields)
            for username, action, payload in steps:
                factory.act(ticket, username, action, payload, now=now)
            db.session.commit()
            return ticket.number, ticket.version

    return make_ticket


@pytest.fixture
def read(app):
    """read(number) → the ticket's (state, version, department code) and its event actions."""
    def read_ticket(number):
        with app.app_context():
            ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
            return {"state": ticket.state, "version": ticket.version,
                    "department": ticket.department.code if ticket.department else None,
                    "events": [e.action for e in ticket.events],
                    "notes": [e.note for e in ticket.events]}

    return read_ticket


@pytest.fixture
def urge(app):
    """A supervisor urges the ticket: its state stays, its version moves on (someone else's change)."""
    def act(number):
        with app.app_context():
            factory = Factory()
            factory.act(db.session.scalar(select(Ticket).where(Ticket.number == number)), "supervisor1",
                        "urge", {"note": "请尽快办理"})
            db.session.commit()

    return act


@pytest.fixture
def set_columns(app):
    def write(number, **values):
        with app.app_context():
            ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
            for name, value in values.items():
                setattr(ticket, name, value)
            db.session.commit()

    return write


@pytest.fixture
def department_id(app):
    def lookup(code):
        with app.app_context():
            return Factory().department(code).id

    return lookup


@pytest.fixture
def category_id(app):
    def lookup(code):
        with app.app_context():
            return db.session.scalar(select(Category.id).where(Category.code == code))

    return lookup


@pytest.fixture
def category_of(app):
    """category_of(number) → (category id, category_confirmed) of the ticket."""
    def read_category(number):
        with app.app_context():
            ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
            return ticket.category_id, ticket.category_confirmed

    return read_category


def numbers_on(page):
    return set(re.findall(r'data-ticket="([0-9-]+)"', page.text))


def flash_text(page):
    match = re.search(r'<div class="alert alert-(?:success|warning)" role="alert">([^<]*)</div>', page.text)
    assert match, "no flash message on the page"
    return match.group(1)


# --- access ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dispatch/received", "/dispatch/returns", "/dispatch/extensions",
                                  "/dispatch/replies"])
def test_department_user_may_not_open_dispatch_queues(web, path):
    page = web("dept_housing").get(path)
    assert page.status_code == 403
    assert "无权访问" in page.text


@pytest.mark.parametrize("path", ["/department/dispatched", "/department/accepted", "/department/replied",
                                  "/department/all", "/department/accountability"])
def test_dispatcher_may_not_open_department_queues(web, path):
    assert web("dispatcher1").get(path).status_code == 403


def test_operator_sees_received_queue_only(web):
    operator = web("operator1")
    assert operator.get("/dispatch/received").status_code == 200
    assert operator.get("/dispatch/replies").status_code == 403


def test_unknown_queue_is_not_found(web):
    assert web("dispatcher1").get("/dispatch/closed").status_code == 404
    assert web("dept_housing").get("/department/closed").status_code == 404


def test_signed_out_user_goes_to_login(client):
    response = client.get("/dispatch/received")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_posts_without_csrf_token_are_refused(web, make, read):
    number, version = make("dispatched")
    response = web("dept_housing").post("/department/sign", {"tickets": f"{number}:{version}"}, csrf=False)
    assert response.status_code == 400
    assert read(number)["state"] == "dispatched"


# --- each queue lists exactly its tickets ------------------------------------------------------

@pytest.mark.parametrize("queue, state", [("received", "received"), ("returns", "return_requested"),
                                          ("replies", "replied")])
def test_dispatch_queue_lists_exactly_its_tickets(web, make, queue, state):
    states = ["received", "dispatched", "accepted", "return_requested", "replied", "pending_revisit"]
    made = {s: make(s)[0] for s in states}
    page = web("dispatcher1").get(f"/dispatch/{queue}")
    assert page.status_code == 200
    assert numbers_on(page) == {made[state]}


def test_extension_queue_lists_pending_extensions(web, make):
    extension = ("dept_housing", "request_extension", {"days": 3, "reason": "需要协调施工队"})
    pending, _ = make("accepted", steps=[extension])
    make("accepted")
    page = web("dispatcher1").get("/dispatch/extensions")
    assert numbers_on(page) == {pending}
    assert "3 个工作日" in page.text and "需要协调施工队" in page.text


def test_tabs_show_live_counts(web, make):
    make("received")
    make("received")
    page = web("dispatcher1").get("/dispatch/received")
    tab = re.search(r'data-queue-tab="received"[^>]*>\s*待派单<span[^>]*>(\d+)</span>', page.text)
    assert tab and tab.group(1) == "2"


def test_return_queue_shows_the_departments_reason(web, make):
    make("return_requested")
    page = web("dispatcher1").get("/dispatch/returns")
    assert "不属于本单位职责" in page.text
    assert "市住房和城乡建设局" in page.text


def test_received_queue_shows_suggested_department(web, make, set_columns, department_id):
    number, _ = make("received")
    set_columns(number, suggested_department_id=department_id("water"), suggested_probability=0.87)
    page = web("dispatcher1").get("/dispatch/received")
    assert "市水务集团" in page.text and "87%" in page.text


@pytest.mark.parametrize("tab, states", [
    ("dispatched", {"dispatched"}), ("accepted", {"accepted"}), ("replied", {"replied", "pending_revisit"}),
    ("all", {"dispatched", "accepted", "return_requested", "replied", "pending_revisit", "closed"}),
])
def test_department_tab_lists_exactly_its_tickets(web, make, tab, states):
    every = ["received", "dispatched", "accepted", "return_requested", "replied", "pending_revisit", "closed"]
    made = {s: make(s)[0] for s in every}
    page = web("dept_housing").get(f"/department/{tab}")
    assert page.status_code == 200
    assert numbers_on(page) == {made[s] for s in states}


def test_other_department_sees_none_of_them(web, make):
    make("dispatched")
    make("accepted")
    water = web("dept_water")
    assert numbers_on(water.get("/department/all")) == set()
    assert numbers_on(water.get("/department/dispatched")) == set()


def test_department_tab_puts_nearest_deadline_first(web, make):
    later, _ = make("dispatched")
    earlier, _ = make("dispatched", now=utcnow() - timedelta(days=3))
    urgent, _ = make("dispatched", urgency="emergency")
    text = web("dept_housing").get("/department/dispatched").text
    order = [n for n in re.findall(r'data-ticket="([0-9-]+)"', text)]
    assert order == [earlier, urgent, later]


def test_department_pages_are_paged_by_fifty(web, make):
    made = [make("dispatched")[0] for _ in range(51)]
    dept = web("dept_housing")
    first, second = dept.get("/department/all"), dept.get("/department/all?page=2")
    assert len(numbers_on(first)) == 50 and "下一页" in first.text
    assert numbers_on(second) == {made[0]}  # newest first: the oldest is alone on page 2


# --- masking -----------------------------------------------------------------------------------

def test_department_pages_mask_phone_numbers(web, make):
    make("dispatched", caller_phone="13812345678", caller_name="李女士")
    page = web("dept_housing").get("/department/dispatched")
    assert "138****5678" in page.text
    assert "13812345678" not in page.text
    assert "李女士" in page.text


def test_department_pages_hide_the_name_of_a_reporter(web, make):
    make("dispatched", type="report", caller_name="王举报人", caller_phone="13900001111")
    page = web("dept_housing").get("/department/all")
    assert "王举报人" not in page.text
    assert "举报人信息保密" in page.text
    assert "139****1111" in page.text


# --- signing -----------------------------------------------------------------------------------

def test_one_click_sign(web, make, read):
    number, version = make("dispatched")
    response = web("dept_housing").post("/department/sign", {"tickets": f"{number}:{version}"},
                                        follow_redirects=True)
    assert response.status_code == 200
    assert flash_text(response) == "已处理 1 件"
    ticket = read(number)
    assert ticket["state"] == "accepted" and ticket["events"][-1] == "sign"
    assert number not in numbers_on(response)


def test_bulk_sign_signs_every_selected_ticket(web, make, read):
    selected = [make("dispatched") for _ in range(3)]
    left, _ = make("dispatched")
    dept = web("dept_housing")
    response = dept.post("/department/sign", {"tickets": [f"{n}:{v}" for n, v in selected]},
                         follow_redirects=True)
    assert flash_text(response) == "已处理 3 件"
    assert [read(n)["state"] for n, _ in selected] == ["accepted"] * 3
    assert read(left)["state"] == "dispatched"
    assert numbers_on(response) == {left}


def test_bulk_sign_reports_a_ticket_changed_meanwhile_and_signs_the_rest(web, make, read, urge):
    (stale, version), (fresh, fresh_version) = make("dispatched"), make("dispatched")
    urge(stale)
    response = web("dept_housing").post("/department/sign", {"tickets": [f"{stale}:{version}",
                                                                          f"{fresh}:{fresh_version}"]},
                                        follow_redirects=True)
    message = flash_text(response)
    assert message.startswith("已处理 1 件，1 件失败：")
    assert f"{stale} – {CONFLICT_TEXT}" in message
    assert read(fresh)["state"] == "accepted"
    assert read(stale)["state"] == "dispatched" and read(stale)["events"][-1] == "urge"


def test_sign_with_nothing_selected_is_refused(web, make):
    make("dispatched")
    response = web("dept_housing").post("/department/sign", {})
    assert response.status_code == 400
    assert "请先勾选要处理的工单" in response.text


def test_sign_refuses_a_malformed_selection(web):
    response = web("dept_housing").post("/department/sign", {"tickets": "1 OR 1=1"})
    assert response.status_code == 400
    assert "所选工单有误" in response.text


def test_department_cannot_sign_another_departments_ticket(web, make, read):
    number, version = make("dispatched")
    response = web("dept_water").post("/department/sign", {"tickets": f"{number}:{version}"},
                                      follow_redirects=True)
    assert "0 件，1 件失败" in flash_text(response)
    assert read(number)["state"] == "dispatched"


# --- bulk dispatch -----------------------------------------------------------------------------

def test_bulk_dispatch_to_each_suggested_department(web, make, read, set_columns, department_id, category_id,
                                                    category_of):
    (water, wv), (gas, gv) = make("received"), make("received")
    set_columns(water, suggested_department_id=department_id("water"), suggested_probability=0.9,
                suggested_category_id=category_id("water_supply"))
    set_columns(gas, suggested_department_id=department_id("gas"), suggested_probability=0.8,
                suggested_category_id=category_id("gas_supply"))
    assert category_of(water) == (None, False)
    response = web("dispatcher1").post("/dispatch/received/bulk",
                                       {"tickets": [f"{water}:{wv}", f"{gas}:{gv}"], "department_id": "0"},
                                       follow_redirects=True)
    assert flash_text(response) == "已处理 2 件"
    assert (read(water)["state"], read(water)["department"]) == ("dispatched", "water")
    assert (read(gas)["state"], read(gas)["department"]) == ("dispatched", "gas")
    assert read(gas)["events"] == ["create", "dispatch"]
    assert numbers_on(response) == set()
    # Dispatching the rows as shown confirms the suggested category each row showed.
    assert category_of(water) == (category_id("water_supply"), True)
    assert category_of(gas) == (category_id("gas_supply"), True)


def test_bulk_dispatch_to_one_chosen_department(web, make, read, department_id, category_id, category_of):
    selected = [make("received") for _ in range(2)]
    response = web("dispatcher1").post("/dispatch/received/bulk", {
        "tickets": [f"{n}:{v}" for n, v in selected], "department_id": str(department_id("eco_env")),
        "category_id": str(category_id("air"))}, follow_redirects=True)
    assert flash_text(response) == "已处理 2 件"
    assert {read(n)["department"] for n, _ in selected} == {"eco_env"}
    assert {category_of(n) for n, _ in selected} == {(category_id("air"), True)}


def test_bulk_dispatch_keeps_the_category_given_at_intake_over_the_suggestion(web, make, read, set_columns,
                                                                              department_id, category_id,
                                                                              category_of):
    number, version = make("received", category_id=category_id("noise"))
    set_columns(number, suggested_category_id=category_id("air"))
    page = web("dispatcher1").get("/dispatch/received")
    row = page.text[page.text.index(f'data-ticket="{number}"'):]
    assert f'data-category="{category_id("noise")}"' in row.split("</tr>")[0]
    web("dispatcher1").post("/dispatch/received/bulk", {
        "tickets": f"{number}:{version}", "department_id": str(department_id("eco_env"))})
    assert category_of(number) == (category_id("noise"), True)
    assert read(number)["state"] == "dispatched"


def test_bulk_dispatch_without_any_category_is_refused_for_that_ticket(web, make, read, set_columns,
                                                                       department_id, category_id, category_of):
    (bare, bv), (shown, sv) = make("received"), make("received")
    set_columns(shown, suggested_category_id=category_id("air"))
    page = web("dispatcher1").get("/dispatch/received")
    assert "未分类，须在上方选择" in page.text and 'name="category_id"' in page.text
    response = web("dispatcher1").post("/dispatch/received/bulk", {
        "tickets": [f"{bare}:{bv}", f"{shown}:{sv}"], "department_id": str(department_id("eco_env"))},
        follow_redirects=True)
    assert flash_text(response) == f"已处理 1 件，1 件失败：{bare} – 没有建议分类，请在表格上方选择诉求分类"
    assert (read(bare)["state"], category_of(bare)) == ("received", (None, False))
    assert (read(shown)["state"], category_of(shown)) == ("dispatched", (category_id("air"), True))


def test_bulk_dispatch_reports_tickets_without_suggestion_and_stale_ones(web, make, read, set_columns,
                                                                         department_id, category_id, app):
    (plain, pv), (good, gv), (stale, sv) = make("received"), make("received"), make("received")
    for number in (plain, good, stale):
        set_columns(number, suggested_category_id=category_id("water_supply"))
    set_columns(good, suggested_department_id=department_id("water"))
    set_columns(stale, suggested_department_id=department_id("water"))
    web("dispatcher1").post("/dispatch/received/bulk", {"tickets": f"{stale}:{sv}",
                                                        "department_id": str(department_id("gas"))})
    response = web("operator1").post("/dispatch/received/bulk",
                                     {"tickets": [f"{plain}:{pv}", f"{good}:{gv}", f"{stale}:{sv}"]},
                                     follow_redirects=True)
    message = flash_text(response)
    assert message.startswith("已处理 1 件，2 件失败：")
    assert f"{plain} – 没有建议承办单位" in message
    assert f"{stale} – 工单处于“待签收”状态" in message  # dispatched meanwhile by someone else
    assert read(good)["department"] == "water"
    assert read(plain)["state"] == "received"
    assert read(stale)["department"] == "gas"


def test_bulk_dispatch_refuses_an_unknown_department(web, make, read):
    number, version = make("received")
    response = web("dispatcher1").post("/dispatch/received/bulk",
                                       {"tickets": f"{number}:{version}", "department_id": "99999"})
    assert response.status_code == 400
    assert read(number)["state"] == "received"


# --- reviewing replies -------------------------------------------------------------------------

def test_bulk_approve_replies(web, make, read):
    selected = [make("replied") for _ in range(2)]
    kept, _ = make("replied")
    response = web("dispatcher1").post("/dispatch/replies/bulk", {"tickets": [f"{n}:{v}" for n, v in selected]},
                                       follow_redirects=True)
    assert flash_text(response) == "已处理 2 件"
    for number, _ in selected:
        ticket = read(number)
        assert ticket["state"] == "pending_revisit" and ticket["events"][-1] == "approve_reply"
    assert numbers_on(response) == {kept}


def test_bulk_approve_reports_a_changed_reply_and_approves_the_rest(web, make, read, urge):
    (changed, cv), (fine, fv) = make("replied"), make("replied")
    urge(changed)
    response = web("dispatcher1").post("/dispatch/replies/bulk", {"tickets": [f"{changed}:{cv}", f"{fine}:{fv}"]},
                                       follow_redirects=True)
    assert f"已处理 1 件，1 件失败：{changed} – {CONFLICT_TEXT}" in flash_text(response)
    assert read(changed)["state"] == "replied"
    assert read(fine)["state"] == "pending_revisit"


def test_reply_queue_shows_result_and_outcome(web, make):
    make("replied")
    page = web("dispatcher1").get("/dispatch/replies")
    assert "已联系物业完成维修" in page.text and "已解决" in page.text


def test_reject_reply_sends_it_back(web, make, read):
    number, version = make("replied")
    response = web("dispatcher1").post("/dispatch/replies", {
        "action": "reject_reply", "number": number, "version": str(version), "reason": "未说明维修时间"})
    assert response.status_code == 302
    ticket = read(number)
    assert ticket["state"] == "accepted"
    assert ticket["events"][-1] == "reject_reply" and ticket["notes"][-1] == "未说明维修时间"


def test_reject_without_reason_keeps_the_page_and_writes_nothing(web, make, read):
    number, version = make("replied")
    response = web("dispatcher1").post("/dispatch/replies", {
        "action": "reject_reply", "number": number, "version": str(version), "reason": ""})
    assert response.status_code == 400
    assert "请填写理由" in response.text
    assert read(number)["version"] == version


def test_stale_decision_on_a_listed_ticket_keeps_the_note(web, make, read, urge):
    number, version = make("return_requested")
    urge(number)
    response = web("dispatcher1").post("/dispatch/returns", {"action": "approve_return", "number": number,
                                                             "version": str(version), "note": "情况属实"})
    assert response.status_code == 409
    assert CONFLICT_TEXT in response.text
    assert 'href="/dispatch/returns">重新加载' in response.text
    assert ">情况属实</textarea>" in response.text
    assert read(number)["state"] == "return_requested"


# --- returns and extensions --------------------------------------------------------------------

def test_approve_return_puts_the_ticket_back_to_received(web, make, read):
    number, version = make("return_requested")
    response = web("dispatcher1").post("/dispatch/returns", {"action": "approve_return", "number": number,
                                                             "version": str(version), "note": "同意"},
                                       follow_redirects=True)
    assert "已同意退单" in response.text
    ticket = read(number)
    assert ticket["state"] == "received" and ticket["department"] is None
    assert ticket["events"][-1] == "approve_return" and ticket["notes"][-1] == "同意"


def test_reject_return_restores_the_state(web, make, read):
    number, version = make("return_requested")
    web("dispatcher1").post("/dispatch/returns", {"action": "reject_return", "number": number,
                                                  "version": str(version), "reason": "属于本单位职责"})
    assert read(number)["state"] == "accepted"


def test_unknown_decision_is_refused(web, make, read):
    number, version = make("return_requested")
    response = web("dispatcher1").post("/dispatch/returns", {"action": "approve_reply", "number": number,
                                                             "version": str(version)})
    assert response.status_code == 400
    assert read(number)["state"] == "return_requested"


@pytest.mark.parametrize("action, data, days", [("approve_extension", {"note": "同意"}, 3),
                                                ("reject_extension", {"reason": "理由不充分"}, 0)])
def test_decide_extension(web, make, read, app, action, data, days):
    number, version = make("accepted", steps=[("dept_housing", "request_extension",
                                                {"days": 3, "reason": "需要协调施工队"})])
    response = web("dispatcher1").post("/dispatch/extensions", {"action": action, "number": number,
                                                                "version": str(version), **data})
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.extension_days == days and ticket.pending_extension is None
        assert ticket.events[-1].action == action


# --- accountability ----------------------------------------------------------------------------

@pytest.fixture
def overdue_record(app, make):
    """An open sign record of dept_housing, found by the deadline sweep."""
    number, _ = make("dispatched", now=utcnow() - timedelta(days=10))
    with app.app_context():
        deadline_sweep(utcnow())
        db.session.commit()
        record = db.session.scalar(select(AccountabilityRecord).join(Ticket).where(Ticket.number == number))
        return record.id, number


def test_accountability_page_lists_open_records(web, overdue_record):
    record_id, number = overdue_record
    page = web("dept_housing").get("/department/accountability")
    assert page.status_code == 200
    assert number in page.text and "待说明" in page.text and "签收" in page.text
    assert f'/department/accountability/{record_id}/explain' in page.text
    assert number not in web("dept_water").get("/department/accountability").text


def test_explain_a_record(web, overdue_record, app):
    record_id, _ = overdue_record
    response = web("dept_housing").post(f"/department/accountability/{record_id}/explain",
                                        {"explanation": "系统通知未送达，已整改"}, follow_redirects=True)
    assert "情况说明已提交" in response.text
    with app.app_context():
        record = db.session.get(AccountabilityRecord, record_id)
        assert record.status == "explained" and record.explanation == "系统通知未送达，已整改"


def test_explain_another_departments_record_is_not_found(web, overdue_record, app):
    record_id, _ = overdue_record
    response = web("dept_water").post(f"/department/accountability/{record_id}/explain",
                                      {"explanation": "不是我们的"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(AccountabilityRecord, record_id).status == "open"


def test_explain_twice_is_refused_with_the_page(web, overdue_record):
    record_id, _ = overdue_record
    dept = web("dept_housing")
    dept.post(f"/department/accountability/{record_id}/explain", {"explanation": "第一次说明"})
    response = dept.post(f"/department/accountability/{record_id}/explain", {"explanation": "第二次说明"})
    assert response.status_code == 409
    assert "不能执行该操作" in response.text


def test_bulk_actions_leave_one_event_per_ticket(web, make, app):
    selected = [make("dispatched") for _ in range(2)]
    web("dept_housing").post("/department/sign", {"tickets": [f"{n}:{v}" for n, v in selected]})
    with app.app_context():
        signs = db.session.scalars(select(TicketEvent.action).where(TicketEvent.action == "sign")).all()
        assert len(signs) == 2
