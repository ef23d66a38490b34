"""The dispatch catalogue over the API: centre staff read it, admins edit it, and suggestions follow."""
import pytest
from sqlalchemy import func, select

from hotline.directory.models import Category
from hotline.extensions import db
from hotline.routing.models import CatalogueEntry
from tests.api.support import api, assert_error, department_ids, tokens  # noqa: F401


@pytest.fixture
def as_admin(client, tokens):
    def call(method, path, **kw):
        return getattr(client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens('admin')}"}, **kw)
    return call


@pytest.fixture
def category_ids(app):
    with app.app_context():
        return dict(db.session.execute(
            select(Category.code, Category.id).where(Category.code.is_not(None))).tuples().all())


def entry_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CatalogueEntry))


def test_staff_read_the_catalogue_filtered_by_category_and_area(api, category_ids):
    response = api("operator1").get("/catalogue", query_string={"category_id": category_ids["noise"]})
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert items and {item["category"]["code"] for item in items} == {"noise"}
    anywhere = api("dispatcher1").get("/catalogue", query_string={"area": "any"}).json["items"]
    assert anywhere and all(item["area"] is None for item in anywhere)
    assert all(set(item["lead"]) == {"id", "code", "name"} for item in anywhere)


def test_departments_may_not_read_the_catalogue(api):
    assert_error(api("dept_housing").get("/catalogue"), 403, "forbidden")


def test_admin_adds_an_area_entry_and_suggestions_follow_it(app, api, as_admin, category_ids, department_ids):
    body = {"category_id": category_ids["noise"], "area": "城北区", "lead_department_id": department_ids["power"],
            "assisting_department_ids": [department_ids["eco_env"]]}
    response = as_admin("post", "/catalogue", json=body)
    assert response.status_code == 201, response.json
    assert response.json["lead"]["code"] == "power" and [d["code"] for d in response.json["assisting"]] == ["eco_env"]
    with app.app_context():
        from hotline.routing.snapshot import routing_snapshot
        assert routing_snapshot().lead_for(category_ids["noise"], "城北区") == department_ids["power"]
    assert_error(as_admin("post", "/catalogue", json=body), 409, "duplicate_entry")


def test_admin_changes_and_deletes_an_entry(app, as_admin, category_ids, department_ids):
    created = as_admin("post", "/catalogue", json={
        "category_id": category_ids["traffic"], "area": "开发区", "lead_department_id": department_ids["power"]}).json
    changed = as_admin("patch", f"/catalogue/{created['id']}", json={
        "lead_department_id": department_ids["eco_env"], "assisting_department_ids": [department_ids["power"]]})
    assert changed.status_code == 200, changed.json
    assert changed.json["lead"]["code"] == "eco_env" and [d["code"] for d in changed.json["assisting"]] == ["power"]
    before = entry_count(app)
    assert as_admin("delete", f"/catalogue/{created['id']}").status_code == 204
    assert entry_count(app) == before - 1
    assert_error(as_admin("delete", f"/catalogue/{created['id']}"), 404, "not_found")


@pytest.mark.parametrize("change, code", [
    ({"lead_department_id": 999999}, "unknown_department"),
    ({"category_id": 999999}, "unknown_category"),
    ({"assisting_department_ids": "lead"}, "duplicate_department"),
    ({"area": ""}, "invalid_input"),
    ({"lead_department_id": "1"}, "invalid_input"),
    ({"colour": "red"}, "invalid_input"),
])
def test_bad_entries_are_refused_and_write_nothing(app, as_admin, category_ids, department_ids, change, code):
    body = {"category_id": category_ids["noise"], "area": "城北区", "lead_department_id": department_ids["power"]}
    if change.get("assisting_department_ids") == "lead":
        change = {"assisting_department_ids": [department_ids["power"]]}
    before = entry_count(app)
    assert_error(as_admin("post", "/catalogue", json=body | change), 400, code)
    assert entry_count(app) == before


def test_only_admins_edit_the_catalogue(api, category_ids, department_ids):
    body = {"category_id": category_ids["noise"], "area": "城北区", "lead_department_id": department_ids["power"]}
    assert_error(api("dispatcher1").post("/catalogue", json=body), 403, "forbidden")
