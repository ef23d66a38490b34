"""The working calendar page (/admin/calendar) and the admins' banner for a year not entered."""
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, select

from hotline import web as web_module
from hotline.audit.models import AuditEntry
from hotline.directory.models import CalendarDay, CalendarRecompute, CalendarYear
from hotline.extensions import db

BANNER = "2027 年的法定节假日和调休安排尚未录入，当前按周一至周五计算工作日"


@pytest.fixture(autouse=True)
def _no_pending_recomputes(app):
    yield
    with app.app_context():
        db.session.execute(delete(CalendarRecompute))
        db.session.commit()


@pytest.fixture
def late_2026(monkeypatch):
    monkeypatch.setattr(web_module, "utcnow", lambda: datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


def written(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (CalendarDay, CalendarYear, AuditEntry, CalendarRecompute))


def test_the_year_view_colours_holidays_and_make_up_days_with_chinese_names(web):
    page = web("admin").get("/admin/calendar?year=2026")
    assert page.status_code == 200
    assert 'class="cal-day cal-holiday' in page.text and 'class="cal-day cal-workday' in page.text
    assert "2026-10-01 星期四 · 国庆节" in page.text and "2026-02-14 星期六 · 春节" in page.text
    assert "National Day" not in page.text and "节假日数据包" in page.text


def test_admins_see_the_banner_until_the_year_is_entered(web, late_2026):
    admin = web("admin")
    page = admin.get("/tickets")
    assert BANNER in page.text and 'href="/admin/calendar?year=2027"' in page.text
    assert BANNER not in web("supervisor1").get("/tickets").text
    response = admin.post("/admin/calendar/day", {"day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302
    assert BANNER not in admin.get("/tickets").text


def test_clicking_a_day_opens_its_form_and_saving_writes_the_day(web, app):
    admin = web("admin")
    page = admin.get("/admin/calendar?year=2027&day=2027-01-09")
    assert "2027-01-09（星期六）" in page.text and 'id="day-form"' in page.text
    response = admin.post("/admin/calendar/day", {"day": "2027-01-09", "kind": "workday", "name": "元旦调休上班"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/calendar?year=2027&day=2027-01-09"
    followed = admin.get(response.headers["Location"])
    assert "已设为调休上班" in followed.text and "元旦调休上班" in followed.text
    with app.app_context():
        row = db.session.get(CalendarDay, date(2027, 1, 9))
        assert (row.kind, row.name, row.source) == ("workday", "元旦调休上班", "admin")
        assert db.session.scalar(select(AuditEntry.entity_id).where(AuditEntry.entity == "calendar")) == "2027-01-09"
        assert db.session.scalar(select(func.count()).select_from(CalendarRecompute)) == 1


def test_a_refused_day_keeps_the_input_and_writes_nothing(web, app):
    before = written(app)
    response = web("admin").post("/admin/calendar/day", {"day": "2027-01-04", "kind": "workday", "name": "错误的调休"})
    assert response.status_code == 400
    assert "本来就是工作日" in response.text and 'value="错误的调休"' in response.text
    assert written(app) == before


def test_the_day_form_needs_the_csrf_token(web, app):
    before = written(app)
    response = web("admin").post("/admin/calendar/day", {"day": "2027-01-01", "kind": "holiday"}, csrf=False)
    assert response.status_code == 400
    assert written(app) == before


def test_importing_a_file_from_the_page(web, app):
    csv = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n".encode()
    response = web("admin").post("/admin/calendar/import?year=2027",
                                 {"file": (io.BytesIO(csv), "2027.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CalendarYear, 2027).source == "admin"
        assert db.session.get(CalendarDay, date(2027, 2, 6)).name == "春节调休"


def test_a_bad_file_lists_its_lines_and_imports_nothing(web, app):
    before = written(app)
    csv = "2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-03-01,rest,无\n".encode()
    response = web("admin").post("/admin/calendar/import?year=2027",
                                 {"file": (io.BytesIO(csv), "bad.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "第 2 行：日期“2027-02-30”无效" in response.text and "第 3 行：类型“rest”无效" in response.text
    assert written(app) == before


@pytest.mark.parametrize("username", ["supervisor1", "dispatcher1", "dept_housing"])
def test_only_admins_open_the_calendar(web, app, username):
    browser = web(username)
    assert browser.get("/admin/calendar").status_code == 403
    before = written(app)
    assert browser.post("/admin/calendar/day", {"day": "2027-01-01", "kind": "holiday"}).status_code == 403
    assert written(app) == before
