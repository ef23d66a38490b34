"""The ticket pages for urgency and 协办 (issue 12): the emergency banner with its transfer line,
detected and chosen levels, dispatch pre-filled with the suggested assisting departments, and
the assisting department's 协办意见 form."""
import re

import pytest
from sqlalchemy import select

from hotline.directory.models import Category
from hotline.extensions import db
from hotline.routing.suggest import suggest_for_intake
from hotline.tickets import service
from hotline.tickets.models import Ticket
from tests.api.support import department_ids, make_ticket  # noqa: F401
from tests.factories import Factory, ticket_data
from tests.web.test_intake import GAS_LEAK
from tests.web.test_intake import _form as intake_form
from tests.web.test_tickets import shown_actions

FIRE = "楼下着火了，浓烟很大，快来救人"
OPINION = "该路段供水管网属我局管辖，已安排人员配合现场排查"


@pytest.fixture
def intake_ticket(app):
    """A ticket taken in as the intake does it (with its suggestion), committed: its number."""
    def make(**fields):
        with app.app_context():
            ticket = service.create_ticket(ticket_data(**fields), Factory().user("operator1"),
                                           suggest=suggest_for_intake)
            db.session.commit()
            return ticket.number
    return make


@pytest.fixture
def ticket_of(app):
    def read(number, f):
        with app.app_context():
            result = f(db.session.scalar(select(Ticket).where(Ticket.number == number)))
            db.session.commit()
            return result
    return read


def _banner(page):
    match = re.search(r'<div class="alert alert-danger[^"]*" role="alert" id="ticket-transfer">(.*?)</div>\s*</div>',
                      page.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else None


@pytest.mark.parametrize("username", ["operator1", "dispatcher1"])
def test_emergency_ticket_shows_the_red_banner_with_its_transfer_line(web, intake_ticket, username):
    number = intake_ticket(content=FIRE)
    page = web(username).get(f"/tickets/{number}")
    banner = _banner(page)
    assert banner is not None and "紧急警情：请立即转接消防119" in banner
    assert "着火" in banner and "1 小时内联系市民" in banner
    assert re.search(r'id="ticket-urgency">特急\s*<span[^>]*>（系统识别：特急）', page.text)


def test_lowered_ticket_shows_both_levels_and_the_reason_and_no_banner(web, intake_ticket):
    number = intake_ticket(content=FIRE, urgency="urgent", urgency_reason="消防已到场处置完毕")
    page = web("operator1").get(f"/tickets/{number}")
    assert _banner(page) is None
    assert "（系统识别：特急，话务员调低为：紧急）" in page.text
    assert '<div class="small" id="ticket-urgency-reason">调低原因：消防已到场处置完毕</div>' in page.text


def test_raised_to_emergency_shows_the_banner_without_a_known_line(web, intake_ticket):
    number = intake_ticket(urgency="emergency")
    page = web("operator1").get(f"/tickets/{number}")
    assert "紧急警情：请立即转接110、119、120 或燃气抢修电话" in _banner(page)
    assert "（系统识别：一般，话务员调高为：特急）" in page.text


def test_normal_ticket_has_no_banner(web, intake_ticket):
    page = web("operator1").get(f"/tickets/{intake_ticket()}")
    assert _banner(page) is None and 'id="ticket-transfer"' not in page.text


def _suggest_assisting(ticket_of, number, lead, assisting):
    def plant(ticket):
        # What the catalogue suggests for a category with 协办 (tests/routing covers the routing itself).
        ticket.suggested_department_id = lead
        ticket.suggestions = {"departments": [{"department_id": lead, "code": "x", "name": "x", "probability": 0.9}],
                              "assisting_departments": [{"department_id": i, "code": "x", "name": "x"}
                                                        for i in assisting],
                              "category": None, "stage": "catalogue", "manual": False,
                              "urgency": {"level": "normal", "phrases": [], "transfer_hint": None},
                              "similar": [], "knowledge": [], "model_version": None}
    ticket_of(number, plant)


def test_dispatch_form_preselects_the_suggested_assisting_departments(web, make_ticket, ticket_of, department_ids):
    number = make_ticket("received")
    _suggest_assisting(ticket_of, number, department_ids["housing"], [department_ids["water"]])
    page = web("dispatcher1").get(f"/tickets/{number}")
    form = page.text[page.text.index(f'action="/tickets/{number}/dispatch"'):]
    form = form[:form.index("</form>")]
    assisting = re.search(r'<select[^>]*name="assisting_department_ids".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option selected value="(\d+)"', assisting) == [str(department_ids["water"])]


def test_bulk_dispatch_by_suggestion_takes_the_suggested_assisting_departments(web, make_ticket, ticket_of,
                                                                              department_ids):
    number = make_ticket("received")
    _suggest_assisting(ticket_of, number, department_ids["housing"], [department_ids["water"]])
    version = ticket_of(number, lambda t: t.version)
    category = ticket_of(number, lambda _: db.session.scalar(
        select(Category.id).where(Category.code == "water_supply")))
    response = web("dispatcher1").post("/dispatch/received/bulk", {"tickets": f"{number}:{version}",
                                                                   "department_id": "0", "category_id": str(category)})
    assert response.status_code == 302
    assert ticket_of(number, lambda t: (t.department_id, t.assisting_department_ids)) == (
        department_ids["housing"], [department_ids["water"]])


@pytest.fixture
def assisted(make_ticket, department_ids):
    dispatch = ("dispatcher1", "dispatch", {"department_id": department_ids["housing"],
                                            "assisting_department_ids": [department_ids["water"]]})
    return make_ticket("received", steps=[dispatch, ("dept_housing", "sign", {})])


def test_only_the_assisting_department_is_offered_the_opinion_form(web, assisted):
    assert shown_actions(web("dept_water").get(f"/tickets/{assisted}")) == ["assist_reply"]
    assert "assist_reply" not in shown_actions(web("dept_housing").get(f"/tickets/{assisted}"))
    assert "assist_reply" not in shown_actions(web("dispatcher1").get(f"/tickets/{assisted}"))
    assert web("dept_eco_env").get(f"/tickets/{assisted}").status_code == 404


def test_opinion_posted_on_the_page_is_shown_to_the_lead_with_its_department(web, assisted, ticket_of):
    water = web("dept_water")
    version = ticket_of(assisted, lambda t: t.version)
    response = water.post(f"/tickets/{assisted}/assist_reply", {"opinion": OPINION, "version": str(version)})
    assert response.status_code == 302, response.text
    assert ticket_of(assisted, lambda t: (t.state, [o.opinion for o in t.assist_opinions])) == ("accepted", [OPINION])
    page = web("dept_housing").get(f"/tickets/{assisted}")
    section = page.text[page.text.index('id="ticket-opinions"'):]
    assert "协办意见（1）" in section[:200] and "市水务集团" in section and OPINION in section
    timeline = page.text[page.text.index('data-action="assist_reply"'):]
    assert "协办单位：市水务集团" in timeline[:800]
    assert "市水务集团对工单" in web("dept_housing").get("/notifications").text


def test_too_short_opinion_is_refused_on_the_page(web, assisted, ticket_of):
    response = web("dept_water").post(f"/tickets/{assisted}/assist_reply", {"opinion": "好"})
    assert response.status_code == 400
    assert "协办意见应为 2–2000 个字" in response.text
    assert ticket_of(assisted, lambda t: t.assist_opinions) == []


# --- the intake form hands the urgency to the service -------------------------------------------

def _intake(web, **overrides):
    with_category = {"category_id": str(db.session.scalar(select(Category.id).where(Category.code == "property")))}
    return web("operator1").post("/intake", intake_form(**{**with_category, **overrides}))


def _last_ticket():
    db.session.rollback()
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def test_intake_auto_stores_the_detected_level(web, ctx):
    assert _intake(web, content=GAS_LEAK, subject="燃气泄漏", finish="save").status_code == 302
    ticket = _last_ticket()
    assert (ticket.urgency, ticket.detected_urgency, ticket.urgency_reason) == ("emergency", "emergency", None)
    assert ticket.events[0].data == {"detected_urgency": "emergency", "urgency": "emergency"}


def test_intake_lowering_stores_both_levels_and_the_reason(web, ctx):
    response = _intake(web, content=GAS_LEAK, subject="燃气泄漏", urgency="urgent", urgency_reason="燃气公司已到场关阀",
                       finish="save")
    assert response.status_code == 302
    ticket = _last_ticket()
    assert (ticket.urgency, ticket.detected_urgency, ticket.urgency_reason) == (
        "urgent", "emergency", "燃气公司已到场关阀")


def test_intake_refuses_a_one_character_reason(web, ctx):
    response = _intake(web, content=GAS_LEAK, subject="燃气泄漏", urgency="normal", urgency_reason="无", finish="save")
    assert response.status_code == 400 and "调低原因应为 2–500 字" in response.text
    assert _last_ticket() is None
