"""The supervisor's dashboard, its KPI lists, Excel export, bulk 催办 / 督办 and the daily briefing pages."""
import re
from datetime import timedelta
from html import unescape
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from hotline.extensions import db
from hotline.jobs.briefing import daily_briefing
from hotline.jobs.runner import run_job
from hotline.jobs.sweep import deadline_sweep
from hotline.reports.definitions import METRICS
from hotline.reports.snapshots import HotspotSnapshot
from hotline.tickets.models import Ticket, TicketEvent
from hotline.timeutil import utcnow

TZ = ZoneInfo("Asia/Shanghai")
CARD = re.compile(r'data-figure="(\w+)" href="([^"]+)"')
TOTAL = re.compile(r'id="figure-total" data-total="(\d+)"')


def period_args():
    today = utcnow().astimezone(TZ).date()
    return {"period": "custom", "from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat()}


def query(args):
    return "&".join(f"{k}={v}" for k, v in args.items())


def cards(html):
    """{figure: (the number the card shows for its list, its link)}."""
    found = {}
    for match in CARD.finditer(html):
        name, href = match.group(1), unescape(match.group(2))
        block = html[match.end():html.find("</a>", match.end())]
        count = re.search(r'class="kpi-count">(\d+)<', block) if (
            METRICS[name].rate or name == "average_handling_hours") else re.search(r'data-value="(\d+)"', block)
        found[name] = (int(count.group(1)), href)
    return found


@pytest.fixture
def city(factory, ctx):
    """Tickets in many states, some long overdue and swept, one returned, one redone."""
    past = utcnow() - timedelta(days=20)
    for state in ("received", "answered", "invalid", "dispatched", "accepted", "replied", "pending_revisit",
                  "closed"):
        factory.ticket(state)
    factory.ticket("closed", is_enterprise=True, channel="web")
    for state in ("dispatched", "accepted", "replied"):
        factory.ticket(state, now=past)
    returned = factory.ticket("return_requested")
    factory.act(returned, "dispatcher1", "approve_return", {})
    redo = factory.ticket("pending_revisit")
    factory.act(redo, "revisitor1", "revisit", {"satisfaction": "unsatisfied", "resolved": False})
    assisted = factory.ticket("received", channel="web")
    factory.act(assisted, "dispatcher1", "dispatch", {"department_id": factory.department("housing").id,
                                                      "assisting_department_ids": [factory.department("water").id]})
    factory.act(assisted, "dept_water", "assist_reply", {"opinion": "供水管网由我单位配合排查"})
    deadline_sweep(utcnow())
    db.session.commit()


def test_every_card_links_to_a_list_of_exactly_its_figure(web, city):
    browser = web("supervisor1")
    page = browser.get("/dashboard?" + query(period_args()))
    assert page.status_code == 200
    shown = cards(page.text)
    assert len(shown) == 15
    assert shown["overdue"][0] >= 2 and shown["severely_overdue"][0] >= 1 and shown["assist_opinions"][0] == 1
    for name, (number, href) in shown.items():
        listed = browser.get(href)
        assert listed.status_code == 200, (name, listed.text[:500])
        assert int(TOTAL.search(listed.text).group(1)) == number, name


@pytest.mark.parametrize("extra", [{"is_enterprise": "true"}, {"channel": "web"}, {"area": "城西区"}])
def test_filtered_cards_match_their_lists(web, city, extra):
    browser = web("supervisor1")
    shown = cards(browser.get("/dashboard?" + query({**period_args(), **extra})).text)
    assert shown["received"][0] >= 1
    for name, (number, href) in shown.items():
        assert int(TOTAL.search(browser.get(href).text).group(1)) == number, name


def test_enterprise_filter_counts_only_enterprise_tickets(web, city):
    shown = cards(web("supervisor1").get("/dashboard?" + query({**period_args(), "is_enterprise": "true"})).text)
    assert shown["received"][0] == 1


def test_department_is_held_to_its_own_department(web, city, factory):
    browser = web("dept_housing")
    page = browser.get("/dashboard?" + query(period_args()))
    assert page.status_code == 200 and "仅本单位" in page.text
    other = factory.department("water").id
    assert browser.get(f"/dashboard?department_id={other}").status_code == 403
    assert browser.get(f"/dashboard/export.xlsx?department_id={other}").status_code == 403
    assert 'name="department_id"' not in page.text


@pytest.mark.parametrize("username, status", [("supervisor1", 200), ("dispatcher1", 200), ("admin", 200),
                                              ("operator1", 403), ("revisitor1", 403)])
def test_who_may_open_the_dashboard(web, username, status):
    assert web(username).get("/dashboard").status_code == status


def test_bad_period_is_refused_in_chinese(web):
    page = web("supervisor1").get("/dashboard?period=custom&from=2026-05-02&to=2026-05-01")
    assert page.status_code == 400 and "起始日期不能晚于截止日期" in page.text
    page = web("supervisor1").get("/dashboard?period=custom&from=tomorrow")
    assert page.status_code == 400 and "“起始日期”填写有误" in page.text


def test_export_holds_the_figures_on_screen(web, city):
    browser = web("supervisor1")
    args = query(period_args())
    shown = cards(browser.get("/dashboard?" + args).text)
    response = browser.get("/dashboard/export.xlsx?" + args)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data))["汇总"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    for name in ("received", "dispatched", "overdue", "severely_overdue"):
        assert values[METRICS[name].name] == shown[name][0]


def test_bulk_urge_and_supervise_write_events(web, city):
    browser = web("supervisor1")
    page = browser.get("/dashboard")
    rows = re.findall(r'name="tickets" value="([^"]+)"', page.text)
    assert len(rows) >= 2
    for action, picked in (("urge", rows[0]), ("supervise", rows[1])):
        response = browser.post("/dashboard/overdue", {"tickets": picked, "action": action, "note": "请今日内办结"})
        assert response.status_code == 302
        number = picked.split(":")[0]
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        actions = db.session.scalars(select(TicketEvent.action).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.actor_id == web_user_id("supervisor1"))).all()
        assert action in actions
    assert "已督办 1 件" in browser.get("/dashboard").text


def web_user_id(username):
    from hotline.auth.models import User
    return db.session.scalar(select(User.id).where(User.username == username))


def test_bulk_with_a_stale_version_reports_it(web, city):
    browser = web("supervisor1")
    picked = re.findall(r'name="tickets" value="([^"]+)"', browser.get("/dashboard").text)[0]
    number = picked.split(":")[0]
    browser.post("/dashboard/overdue", {"tickets": f"{number}:1", "action": "urge", "note": "请尽快办理"})
    assert "该工单已被他人更新" in browser.get("/dashboard").text


def test_bulk_needs_a_note_and_a_supervisor(web, city):
    browser = web("supervisor1")
    picked = re.findall(r'name="tickets" value="([^"]+)"', browser.get("/dashboard").text)[0]
    refused = browser.post("/dashboard/overdue", {"tickets": picked, "action": "urge", "note": ""})
    assert refused.status_code == 400 and "请填写催办或督办意见" in refused.text
    assert web("dispatcher1").post("/dashboard/overdue", {"tickets": picked, "action": "urge",
                                                          "note": "请尽快"}).status_code == 403
    assert browser.post("/dashboard/overdue", {"tickets": picked, "action": "urge", "note": "请尽快"},
                        csrf=False).status_code == 400


def test_hotspots_come_from_the_stored_snapshot(web, ctx, factory):
    for _ in range(6):
        factory.ticket("received", content="桂花街道金桂苑小区门口垃圾堆积无人清运，气味很大")
    run_job("hotspots", utcnow())
    try:
        stored = db.session.scalar(select(HotspotSnapshot))
        assert stored.items and stored.days == 7
        page = web("supervisor1").get("/dashboard").text
        assert "更新于" in page and stored.items[0]["ticket_numbers"][0] in page
    finally:
        db.session.execute(delete(HotspotSnapshot))
        db.session.commit()


def test_daily_briefing_pages(web, city):
    daily_briefing(utcnow() + timedelta(days=1))
    db.session.commit()
    browser = web("supervisor1")
    day = utcnow().astimezone(TZ).date().isoformat()
    index = browser.get("/reports/daily")
    assert index.status_code == 200 and day in index.text
    page = browser.get(f"/reports/daily/{day}")
    assert page.status_code == 200 and "诉求分类前 10" in page.text and "电话" in page.text
    assert browser.get("/reports/daily/2001-01-01").status_code == 404
    assert web("dept_housing").get(f"/reports/daily/{day}").status_code == 403


def test_league_table_counts_assisting_opinions_under_the_assistant(web, city, factory):
    page = web("supervisor1").get("/dashboard?" + query(period_args())).text
    table = page[page.index('id="league-table"'):page.index("</table>", page.index('id="league-table"'))]
    assert ">协办意见数</a>" in table
    water = factory.department("water").id
    row = table[table.index(f'<tr data-department="{water}">'):]
    assert re.findall(r"<td>([^<]*)</td>", row[:row.index("</tr>")])[-1].strip() == "1"
    housing = factory.department("housing").id
    row = table[table.index(f'<tr data-department="{housing}">'):]
    assert re.findall(r"<td>([^<]*)</td>", row[:row.index("</tr>")])[-1].strip() == "0"
