"""The admin API for the working calendar: a year's days, setting one day, importing a CSV file."""
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from hotline.audit.models import AuditEntry
from hotline.directory.models import CalendarDay, CalendarRecompute, CalendarYear
from hotline.extensions import db
from tests.api.support import assert_error, tokens  # noqa: F401

GOOD_CSV = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n2027-02-11,holiday,春节\n"


@pytest.fixture(autouse=True)
def _no_pending_recomputes(app):
    yield
    with app.app_context():
        db.session.execute(delete(CalendarRecompute))
        db.session.commit()


@pytest.fixture
def as_user(client, tokens):
    def call(username, method, path, **kw):
        headers = {"Authorization": f"Bearer {tokens(username)}", **kw.pop("headers", {})}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kw)
    return call


@pytest.fixture
def admin(as_user):
    return lambda method, path, **kw: as_user("admin", method, path, **kw)


def written(app):
    """Everything these endpoints may write, counted."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (CalendarDay, CalendarYear, AuditEntry, CalendarRecompute))


def audit_rows(app):
    with app.app_context():
        return db.session.execute(select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.action)
                                  .order_by(AuditEntry.id)).all()


def test_a_package_year_lists_its_days_in_chinese(admin):
    response = admin("get", "/admin/calendar/2026")
    assert response.status_code == 200
    assert response.json["source"] == "package"
    days = {d["date"]: d for d in response.json["days"]}
    assert days["2026-10-01"] == {"date": "2026-10-01", "kind": "holiday", "kind_label": "法定节假日",
                                  "name": "国庆节", "source": "package"}
    assert days["2026-09-20"]["kind"] == "workday"


def test_a_year_not_entered_has_no_source(admin):
    response = admin("get", "/admin/calendar/2027")
    assert response.status_code == 200 and response.json == {"year": 2027, "source": None, "days": []}


def test_admin_sets_and_clears_a_day_with_audit_rows_and_a_queued_recompute(admin, app):
    response = admin("put", "/admin/calendar/2027/2027-01-01", json={"kind": "holiday", "name": "元旦"})
    assert response.status_code == 200
    assert response.json == {"date": "2027-01-01", "kind": "holiday", "kind_label": "法定节假日",
                             "name": "元旦", "source": "admin"}
    assert admin("get", "/admin/calendar/2027").json["source"] == "admin"
    cleared = admin("put", "/admin/calendar/2027/2027-01-01", json={"kind": "default"})
    assert cleared.status_code == 200 and cleared.json["kind"] == "default"
    with app.app_context():
        assert db.session.get(CalendarDay, date(2027, 1, 1)) is None
        assert db.session.scalar(select(func.count()).select_from(CalendarRecompute)) == 2
    assert audit_rows(app) == [("calendar", "2027-01-01", "create"), ("calendar", "2027-01-01", "delete")]


def test_admin_entries_take_precedence_over_the_package(admin, app):
    response = admin("put", "/admin/calendar/2026/2026-03-14", json={"kind": "workday", "name": "临时调休"})
    assert response.status_code == 200 and response.json["source"] == "admin"
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    with app.app_context():
        row = db.session.get(CalendarDay, date(2026, 3, 14))
        assert (row.kind, row.name, row.source) == ("workday", "临时调休", "admin")


@pytest.mark.parametrize("path, body, code", [
    ("/admin/calendar/2027/2027-02-30", {"kind": "holiday", "name": "春节"}, "invalid_date"),
    ("/admin/calendar/2027/20270101", {"kind": "holiday"}, "invalid_date"),
    ("/admin/calendar/2027/2026-01-01", {"kind": "holiday"}, "invalid_date"),
    ("/admin/calendar/2027/2027-01-01", {"kind": "rest"}, "invalid_input"),
    ("/admin/calendar/2027/2027-01-01", {"kind": "holiday", "name": "长" * 61}, "invalid_input"),
    ("/admin/calendar/2027/2027-01-04", {"kind": "workday"}, "invalid_day"),
    ("/admin/calendar/1999/1999-01-01", {"kind": "holiday"}, "invalid_year"),
])
def test_bad_days_and_kinds_are_refused_and_nothing_is_written(admin, app, path, body, code):
    before = written(app)
    assert_error(admin("put", path, json=body), 400, code)
    assert written(app) == before


def test_import_replaces_the_year_and_is_audited(admin, app):
    admin("put", "/admin/calendar/2027/2027-05-01", json={"kind": "holiday", "name": "劳动节"})
    response = admin("post", "/admin/calendar/import", data=GOOD_CSV.encode(), content_type="text/csv")
    assert response.status_code == 200, response.json
    assert response.json == {"years": [2027], "holidays": 2, "workdays": 1, "dry_run": False}
    days = admin("get", "/admin/calendar/2027").json["days"]
    assert [(d["date"], d["kind"], d["name"]) for d in days] == [
        ("2027-01-01", "holiday", "元旦"), ("2027-02-06", "workday", "春节调休"), ("2027-02-11", "holiday", "春节")]
    assert audit_rows(app)[-1] == ("calendar", "2027", "import")


def test_a_dry_run_checks_and_writes_nothing(admin, app):
    before = written(app)
    response = admin("post", "/admin/calendar/import?dry_run=true", data=GOOD_CSV.encode(),
                     content_type="text/csv")
    assert response.status_code == 200 and response.json["dry_run"] is True
    assert written(app) == before


@pytest.mark.parametrize("text, line", [
    ("2027-01-01,holiday,元旦\n2027-13-01,holiday,坏日期\n", 2),
    ("2027-01-01,holiday,元旦\n2027-02-06,rest,春节\n", 2),
    ("2027-02-06,workday,春节调休\n2027-02-06,holiday,春节\n", 2),
    ("2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n", 2),
    ("2027-01-01\n", 1),
    ("", 1),
])
def test_a_bad_file_is_refused_with_line_numbers_and_nothing_is_written(admin, app, text, line):
    before = written(app)
    error = assert_error(admin("post", "/admin/calendar/import", data=text.encode(), content_type="text/csv"),
                         400, "invalid_calendar_file")
    assert [e["line"] for e in error["details"]["errors"]] == [line]
    assert written(app) == before


def test_a_file_not_in_utf8_is_refused(admin, app):
    before = written(app)
    assert_error(admin("post", "/admin/calendar/import", data="2027-01-01,holiday,元旦".encode("gbk"),
                       content_type="text/csv"), 400, "invalid_calendar_file")
    assert written(app) == before


@pytest.mark.parametrize("username", ["supervisor1", "dispatcher1", "operator1", "dept_housing"])
@pytest.mark.parametrize("method, path, kw", [
    ("get", "/admin/calendar/2027", {}),
    ("put", "/admin/calendar/2027/2027-01-01", {"json": {"kind": "holiday", "name": "元旦"}}),
    ("post", "/admin/calendar/import", {"data": GOOD_CSV.encode(), "content_type": "text/csv"}),
])
def test_only_admins_may_use_the_calendar_api(as_user, app, username, method, path, kw):
    before = written(app)
    assert_error(as_user(username, method, path, **kw), 403, "forbidden")
    assert written(app) == before


def test_the_calendar_api_needs_a_token(client):
    assert_error(client.get("/api/v1/admin/calendar/2027"), 401)
