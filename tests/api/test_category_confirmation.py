"""Whether a ticket's category was confirmed by a person (SPEC §8 keeps category_id optional in the API)."""
import pytest
from sqlalchemy import select

from hotline.directory.models import Category
from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.api.support import api, department_ids, tokens  # noqa: F401
from tests.factories import ticket_data
from tests.routing.conftest import active_model, small_model  # noqa: F401

WATER = "小区停水两天了，自来水公司一直没有通知什么时候来水"


@pytest.fixture
def category_ids(app):
    with app.app_context():
        return dict(db.session.execute(select(Category.code, Category.id).where(Category.code.is_not(None)))
                    .tuples().all())


def confirmed(app, number):
    with app.app_context():
        return db.session.scalar(select(Ticket.category_confirmed).where(Ticket.number == number))


def test_a_suggested_category_is_never_stored_as_confirmed(api, active_model):
    response = api("operator1").post("/tickets", json=ticket_data(content=WATER))
    assert response.status_code == 201, response.json
    ticket = response.json
    assert ticket["suggestions"]["category"] is not None  # the model did suggest one
    assert ticket["category_id"] is None and ticket["category_confirmed"] is False
    db.session.rollback()  # the fixture's context: see what the request committed
    row = db.session.scalar(select(Ticket).where(Ticket.number == ticket["number"]))
    assert (row.category_id, row.category_confirmed) == (None, False)
    assert row.suggested_category_id == ticket["suggestions"]["category"]["id"]


def test_a_category_given_at_intake_is_confirmed(api, category_ids):
    response = api("operator1").post("/tickets", json=ticket_data(content=WATER,
                                                                  category_id=category_ids["water_supply"]))
    assert response.status_code == 201, response.json
    assert (response.json["category_id"], response.json["category_confirmed"]) == (category_ids["water_supply"], True)


def test_dispatch_without_a_category_confirms_nothing_and_with_one_confirms_it(api, department_ids,
                                                                              category_ids):
    plain = api("operator1").post("/tickets", json=ticket_data(content=WATER)).json
    given = api("operator1").post("/tickets", json=ticket_data(content=WATER)).json
    dispatched = api("dispatcher1").post(f"/tickets/{plain['number']}/dispatch",
                                         json={"department_id": department_ids["water"]})
    assert dispatched.status_code == 200, dispatched.json
    assert (dispatched.json["category_id"], dispatched.json["category_confirmed"]) == (None, False)
    dispatched = api("dispatcher1").post(f"/tickets/{given['number']}/dispatch", json={
        "department_id": department_ids["water"], "category_id": category_ids["water_supply"]})
    assert dispatched.status_code == 200, dispatched.json
    assert (dispatched.json["category_id"], dispatched.json["category_confirmed"]) == (
        category_ids["water_supply"], True)


def test_a_category_confirmed_at_intake_stays_confirmed_through_a_dispatch_without_one(api, department_ids,
                                                                                      category_ids):
    ticket = api("operator1").post("/tickets", json=ticket_data(content=WATER,
                                                                category_id=category_ids["water_supply"])).json
    dispatched = api("dispatcher1").post(f"/tickets/{ticket['number']}/dispatch",
                                         json={"department_id": department_ids["water"]})
    assert (dispatched.json["category_id"], dispatched.json["category_confirmed"]) == (
        category_ids["water_supply"], True)


def test_an_unknown_category_at_dispatch_is_refused_and_confirms_nothing(api, app, department_ids):
    ticket = api("operator1").post("/tickets", json=ticket_data(content=WATER)).json
    response = api("dispatcher1").post(f"/tickets/{ticket['number']}/dispatch", json={
        "department_id": department_ids["water"], "category_id": 999999})
    assert 400 <= response.status_code < 500
    assert confirmed(app, ticket["number"]) is False
