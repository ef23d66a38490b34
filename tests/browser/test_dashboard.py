"""The dashboard in chromium: the period picker, ECharts drawing, a KPI card's list, the Excel export."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook

from hotline.extensions import db
from hotline.jobs.sweep import deadline_sweep
from hotline.timeutil import utcnow
from tests.factories import Factory


def make_city(live_app):
    with live_app.app_context():
        factory = Factory()
        for state in ("received", "answered", "accepted", "closed", "pending_revisit"):
            factory.ticket(state)
        for state in ("dispatched", "accepted"):
            factory.ticket(state, now=utcnow() - timedelta(days=20))
        deadline_sweep(utcnow())
        db.session.commit()


def test_supervisor_uses_the_dashboard(page, login, live_app, screenshot):
    make_city(live_app)
    login(page, "supervisor1")
    page.goto("/dashboard")
    page.locator("#chart-trend canvas").first.wait_for()
    assert page.locator("#chart-categories canvas").count() and page.locator("#chart-areas canvas").count()
    screenshot(page, "dashboard")

    page.locator("select[name=period]").select_option("year")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "period=year" in page.url
    page.locator("#chart-trend canvas").first.wait_for()
    page.get_by_role("link", name="按月").click()
    page.locator("#chart-trend canvas").first.wait_for()
    assert "granularity=month" in page.url

    with page.expect_download() as download:
        page.locator("#dashboard-export").click()
    book = load_workbook(BytesIO(open(download.value.path(), "rb").read()))
    assert {"汇总", "考评排名", "超期清单", "热点"} <= set(book.sheetnames)

    overdue = int(page.locator('[data-figure="overdue"] .kpi-value').get_attribute("data-value"))
    with page.expect_navigation():
        page.locator('[data-figure="overdue"]').click()
    assert "超期量 · 清单" in page.content()
    assert int(page.locator("#figure-total").inner_text()) == overdue >= 2


def test_supervisor_urges_from_the_overdue_list(page, login, live_app):
    make_city(live_app)
    login(page, "supervisor1")
    page.goto("/dashboard")
    page.locator("#overdue-table input[name=tickets]").first.check()
    page.locator("#urge-form textarea[name=note]").fill("请今日内办结")
    with page.expect_navigation():
        page.get_by_role("button", name="对选中的工单执行").click()
    assert "已催办 1 件" in page.content()
