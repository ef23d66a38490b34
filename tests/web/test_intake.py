"""The operator's intake page: one step from the call to a saved, answered, dispatched,
invalidated or merged ticket, with live suggestions."""
import pytest
from sqlalchemy import func, select

from classifier.train import train
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle
from hotline.routing import registry
from hotline.routing.training import seed_corpus
from hotline.tickets.models import Ticket, TicketEvent
from tests.routing.conftest import CODES

GAS_LEAK = "小区里燃气泄漏了，味道很大"
ELEVATOR = "小区电梯坏了一个星期，物业一直不修，老人上下楼很困难"


@pytest.fixture(scope="session")
def category_model():
    texts, labels = seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return train([t for t, _ in chosen], [label for _, label in chosen])


@pytest.fixture
def model(ctx, category_model):
    registry.activate(registry.register(category_model, "category", "seed").version)
    db.session.commit()


@pytest.fixture
def operator(web):
    return web("operator1")


def _category(code):
    return db.session.scalar(select(Category.id).where(Category.code == code))


def _form(**overrides):
    data = {"caller_phone": "13912345678", "caller_name": "李女士", "channel": "phone", "type": "complaint",
            "urgency": "auto", "address": "城西区桂花街道金桂苑小区7栋", "area": "城西区",
            "category_id": str(_category("property")), "subject": "电梯长期故障", "content": ELEVATOR}
    data.update(overrides)
    return data


def _tickets():
    db.session.rollback()  # see what the requests committed
    return db.session.scalars(select(Ticket).order_by(Ticket.id)).all()


def _count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ticket))


def _new(before):
    tickets = _tickets()
    assert len(tickets) == before + 1
    return tickets[-1]


@pytest.mark.parametrize("username", ["dispatcher1", "dept_housing", "revisitor1", "supervisor1"])
@pytest.mark.parametrize("method, path", [("get", "/intake"), ("post", "/intake"), ("post", "/intake/suggest"),
                                          ("get", "/intake/caller?caller_phone=13800000001")])
def test_intake_is_for_operators_only(web, ctx, username, method, path):
    response = getattr(web(username), method)(path, **({"data": _form()} if method == "post" else {}))
    assert response.status_code == 403
    assert "只有话务员可以受理登记" in response.text
    assert _count() == 0


def test_page_shows_every_field_in_chinese(operator):
    response = operator.get("/intake")
    assert response.status_code == 200
    for label in ("来电号码", "来电人", "涉企", "渠道", "诉求类型", "紧急程度", "自动识别", "调低原因", "诉求地址",
                  "所属区域", "城西区", "诉求分类", "物业管理", "标题", "诉求内容", "答复内容", "承办单位", "协办单位",
                  "仅保存", "直接办结", "派单", "无效", "受理并并单"):
        assert label in response.text, label
    assert 'hx-post="/intake/suggest"' in response.text and 'delay:600ms' in response.text


def test_screen_pop_prefills_phone_channel_and_history(operator, factory):
    earlier = factory.ticket("dispatched", caller_phone="13955550000", subject="路灯不亮")
    response = operator.get("/intake?caller_phone=13955550000&channel=web")
    assert 'value="13955550000"' in response.text
    assert '<option selected value="web">' in response.text
    assert earlier.number in response.text and "路灯不亮" in response.text and "待签收" in response.text


def test_caller_partial_lists_earlier_tickets(operator, factory):
    earlier = factory.ticket("answered", caller_phone="13955550001")
    factory.ticket("received", caller_phone="13955559999")
    response = operator.get("/intake/caller?caller_phone=13955550001")
    assert response.status_code == 200
    assert f'href="/tickets/{earlier.number}"' in response.text and "直接办结" in response.text
    assert response.text.count('href="/tickets/') == 1
    assert "没有历史工单" in operator.get("/intake/caller?caller_phone=13900000000").text


def test_save_only_creates_a_received_ticket_with_the_suggestion(operator, ctx, model):
    before = _count()
    response = operator.post("/intake", _form(finish="save", is_enterprise="y"))
    ticket = _new(before)
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{ticket.number}"
    assert ticket.state == "received" and ticket.is_enterprise and ticket.category_id == _category("property")
    assert ticket.caller_phone == "13912345678" and ticket.area == "城西区" and ticket.urgency == "normal"
    assert ticket.suggested_category_id == _category("property") and ticket.suggestions["departments"]
    assert [e.action for e in ticket.events] == ["create"]
    assert ticket.events[0].note == "系统识别紧急程度：一般"
    with operator.client.session_transaction() as session:
        assert session["_flashes"] == [("success", f"工单 {ticket.number} 已受理")]


def test_answer_finishes_the_call(operator, ctx):
    before = _count()
    operator.post("/intake", _form(finish="answer", answer="物业维修资金可向街道申请，已告知办理流程"))
    ticket = _new(before)
    assert ticket.state == "answered" and ticket.answer == "物业维修资金可向街道申请，已告知办理流程"
    assert [e.action for e in ticket.events] == ["create", "answer"] and ticket.closed_at is not None


def test_dispatch_sends_to_the_chosen_departments(operator, ctx, factory):
    lead, helper = factory.department("district_west"), factory.department("housing")
    before = _count()
    response = operator.post("/intake", _form(finish="dispatch", department_id=str(lead.id),
                                              assisting_department_ids=[str(helper.id)]))
    ticket = _new(before)
    assert response.status_code == 302
    assert ticket.state == "dispatched" and ticket.department_id == lead.id
    assert [d.id for d in ticket.current_assignment.assisting] == [helper.id]
    assert ticket.final_category_id == _category("property") and ticket.complete_due_at is not None
    assert [e.action for e in ticket.events] == ["create", "dispatch"]


def test_invalidate_needs_and_keeps_the_reason(operator, ctx):
    before = _count()
    operator.post("/intake", _form(finish="invalidate", reason="无声电话"))
    ticket = _new(before)
    assert ticket.state == "invalid" and ticket.invalid_reason == "无声电话"


@pytest.mark.parametrize("finish", ["merge", "merge:{number}"])
def test_merge_saves_the_call_into_the_earlier_ticket(operator, ctx, factory, finish):
    target = factory.ticket("accepted")
    before = _count()
    operator.post("/intake", _form(finish=finish.format(number=target.number), target_number=target.number))
    ticket = _new(before)
    assert ticket.state == "merged" and ticket.duplicate_of_id == target.id
    assert ticket.events[-1].data == {"target_number": target.number}


def test_auto_urgency_takes_the_detected_level(operator, ctx):
    before = _count()
    operator.post("/intake", _form(content=GAS_LEAK, subject="燃气泄漏", finish="save"))
    ticket = _new(before)
    assert ticket.urgency == "emergency"
    assert ticket.events[0].note == "系统识别紧急程度：特急"


def test_lowering_the_detected_urgency_without_a_reason_is_refused(operator, ctx, factory):
    gas = factory.department("gas").id
    response = operator.post("/intake", _form(content=GAS_LEAK, subject="燃气泄漏", urgency="normal", finish="dispatch",
                                              department_id=str(gas)))
    assert response.status_code == 400
    assert "系统识别为「特急」" in response.text and "须填写调低原因" in response.text
    assert GAS_LEAK in response.text and f'<option selected value="{gas}">' in response.text
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 0


def test_lowering_with_a_reason_is_recorded_on_the_create_event(operator, ctx):
    before = _count()
    operator.post("/intake", _form(content=GAS_LEAK, subject="燃气泄漏", urgency="urgent",
                                   urgency_reason="燃气公司已到场关阀", finish="save"))
    ticket = _new(before)
    assert ticket.urgency == "urgent"
    assert ticket.events[0].note == "系统识别紧急程度：特急；话务员调低为：紧急；调低原因：燃气公司已到场关阀"


def test_raising_the_urgency_needs_no_reason(operator, ctx):
    before = _count()
    operator.post("/intake", _form(urgency="urgent", finish="save"))
    assert _new(before).urgency == "urgent"


def test_post_without_csrf_token_is_refused(operator, ctx):
    response = operator.post("/intake", _form(finish="save"), csrf=False)
    assert response.status_code == 400
    assert _count() == 0


@pytest.mark.parametrize("overrides, message", [
    ({"content": "太短"}, "诉求内容应为 5–5000 字"),
    ({"category_id": ""}, "请选择诉求分类"),
    ({"caller_phone": "abc"}, "来电号码只能包含数字"),
    ({"channel": "fax"}, "请从列表中选择"),
    ({"finish": "close"}, "未知的办理方式"),
])
def test_invalid_fields_are_shown_in_chinese_and_nothing_written(operator, ctx, overrides, message):
    response = operator.post("/intake", _form(**overrides))
    assert response.status_code == 400
    assert message in response.text and "请修正标红的内容" in response.text
    assert _count() == 0


@pytest.mark.parametrize("overrides, message", [
    ({"finish": "dispatch"}, "派单须选择承办单位"),
    ({"finish": "answer"}, "直接办结须填写答复内容"),
    ({"finish": "invalidate"}, "标记无效须填写无效原因"),
    ({"finish": "merge"}, "并单须填写并入的工单编号"),
    ({"finish": "merge", "target_number": "20990101-000001"}, "目标工单 20990101-000001 不存在"),
    ({"finish": "dispatch", "department_id": "1", "assisting_department_ids": ["1"]}, "主办单位不能同时作为协办单位"),
])
def test_a_refused_finish_writes_nothing_and_keeps_the_input(operator, ctx, overrides, message):
    response = operator.post("/intake", _form(**overrides))
    assert response.status_code == 400
    assert message in response.text and 'data-error-code' in response.text
    assert ELEVATOR in response.text and 'value="13912345678"' in response.text
    assert _count() == 0


def test_merge_into_a_closed_ticket_is_refused_with_409(operator, ctx, factory):
    target = factory.ticket("answered")
    before = _count()
    response = operator.post("/intake", _form(finish=f"merge:{target.number}"))
    assert response.status_code == 409 and "只能并入另一张未办结的工单" in response.text
    assert _count() == before


def test_suggest_panel_for_a_gas_leak(operator, model):
    response = operator.post("/intake/suggest", {"content": GAS_LEAK, "area": "城西区"})
    assert response.status_code == 200
    assert "市燃气公司" in response.text and 'data-intake-pick="1"' in response.text
    assert "紧急警情：请立即转接燃气公司抢修电话" in response.text and "燃气泄漏" in response.text
    assert 'data-width="' in response.text and "知识库答复" in response.text


def test_suggest_panel_prefills_the_category_and_catalogue_assistants(operator, ctx, model, factory):
    response = operator.post("/intake/suggest", {"content": ELEVATOR, "area": "城西区"})
    west, housing = factory.department("district_west"), factory.department("housing")
    assert f'data-intake-category="{_category("property")}"' in response.text
    assert f'data-department-id="{west.id}" data-assisting-ids="{housing.id}"' in response.text


def test_suggest_panel_offers_same_phone_tickets_for_merge(operator, ctx, model, factory):
    open_one = factory.ticket("accepted", caller_phone="13977770000")
    closed_one = factory.ticket("answered", caller_phone="13977770000")
    response = operator.post("/intake/suggest", {"content": ELEVATOR, "caller_phone": "13977770000"})
    assert "同一来电号码" in response.text
    assert f'value="merge:{open_one.number}"' in response.text
    assert closed_one.number in response.text and f'value="merge:{closed_one.number}"' not in response.text


def test_suggest_panel_waits_for_content(operator):
    response = operator.post("/intake/suggest", {"content": "电梯"})
    assert response.status_code == 200 and "输入诉求内容后" in response.text


def test_knowledge_article_body_for_the_answer_box(operator, ctx):
    article = db.session.scalars(select(KnowledgeArticle).limit(1)).one()
    response = operator.get(f"/intake/knowledge/{article.id}")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.text == article.body
    assert operator.get("/intake/knowledge/999999").status_code == 404


def test_the_category_chosen_at_intake_is_confirmed_and_required(operator, ctx):
    before = _count()
    operator.post("/intake", _form(finish="save"))
    ticket = _new(before)
    assert (ticket.category_id, ticket.category_confirmed) == (_category("property"), True)
    page = operator.post("/intake", _form(finish="save", category_id=""))
    assert page.status_code == 400 and "请选择诉求分类" in page.text
    assert _count() == before + 1


OUTAGE = "从早上六点开始家里就停水了，也没看到任何停水通知，一家老小没法做饭洗漱"
OUTAGE_AGAIN = "翠湖花园小区到现在还是没水，水龙头拧开一滴都没有，物业说不知道原因"


def test_suggest_panel_groups_the_incident_and_merges_the_call_in_one_step(operator, ctx, model, factory):
    first = factory.ticket("dispatched", content=OUTAGE, address="城西区建设路翠湖花园3栋")
    panel = operator.post("/intake/suggest", {"content": OUTAGE_AGAIN})
    assert "同一事项已有 1 次来电" in panel.text
    assert f'data-intake-repeat="{first.number}"' in panel.text
    assert 'id="intake-repeat-merge"' in panel.text and f'value="merge:{first.number}"' in panel.text
    assert "同一事项：地点「翠湖花园」" in panel.text
    before = _count()
    response = operator.post("/intake", _form(content=OUTAGE_AGAIN, address="", subject="",
                                              category_id=str(_category("water_supply")),
                                              finish=f"merge:{first.number}"))
    assert response.status_code == 302
    ticket = _new(before)
    assert ticket.state == "merged" and ticket.duplicate_of_id == first.id
    page = operator.get(f"/tickets/{first.number}")
    assert "并入来电" in page.text and f"来电 {ticket.number} 并入本工单" in page.text


def test_suggest_panel_shows_no_group_for_another_problem_in_the_same_estate(operator, ctx, model, factory):
    factory.ticket("dispatched", content=OUTAGE, address="城西区建设路翠湖花园3栋")
    panel = operator.post("/intake/suggest", {"content": "翠湖花园5栋电梯经常关人，今天又卡在半中间，物业维修不及时"})
    assert "同一事项已有" not in panel.text and 'data-intake-repeat=""' in panel.text
