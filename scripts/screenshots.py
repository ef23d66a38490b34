"""README screenshots: a seeded demo centre served locally, photographed in headless chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes intake-suggestions.png (operator typing a call, with the suggestion panel),
department-queue.png (a department's 办理中 tab with deadlines in every colour) and
ticket-detail.png (a ticket with its clocks and timeline). Needs Debian's chromium
(scripts/browser-deps.sh) and the Python playwright package of requirements-dev.txt.
"""
import argparse
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CALLS = [  # (content, area, days ago dispatched)
    ("金桂苑小区7栋电梯坏了一个星期，物业一直不修，老人上下楼很困难", "城西区", 16),
    ("小区门口的下水道井盖缺失半个月，晚上有人差点掉下去", "城西区", 9),
    ("小区物业乱收停车费，每月涨了两百元，也没有开会征求业主意见", "城西区", 6),
    ("楼上住户长期在阳台搭建违章阳光房，遮挡我家采光，多次反映没人管", "城东区", 4),
    ("新买的商品房交房时发现外墙渗水，开发商拖着不维修", "城西区", 2),
    ("小区公共绿地被物业改成了收费停车位，业主都不同意", "城东区", 0),
]


def build_centre(db_file, model_dir):
    from config import Config
    from hotline.app import create_app
    from hotline.extensions import db
    from hotline.jobs.sweep import deadline_sweep
    from hotline.routing.training import ensure_default_model
    from tests.factories import Factory

    config = type("ShotConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
                                            "SECRET_KEY": "screenshots", "HOTLINE_MODEL_DIR": model_dir})
    app = create_app(config)
    for command in (["setup"], ["seed-demo"]):
        assert app.test_cli_runner().invoke(args=command).exit_code == 0
    now = datetime.now(UTC)
    with app.app_context():
        ensure_default_model()
        db.session.commit()
        factory = Factory()
        housing = factory.department("housing")
        for content, area, days in CALLS:
            when = now - timedelta(days=days, hours=3)
            ticket = factory.ticket("received", now=when, content=content, area=area)
            factory.act(ticket, "dispatcher1", "dispatch", {"department_id": housing.id}, now=when)
            factory.act(ticket, "dept_housing", "sign", {}, now=when + timedelta(hours=1))
            db.session.commit()
        detail = factory.ticket("received", now=now - timedelta(days=3), content=CALLS[0][0] + "，已经第二次反映了")
        for user, action, payload, hours in (
                ("dispatcher1", "dispatch", {"department_id": housing.id, "note": "请尽快处理"}, 1),
                ("dept_housing", "sign", {}, 2),
                ("dept_housing", "record_contact", {"note": "已电话联系来电人"}, 3),
                ("supervisor1", "urge", {"note": "老人出行困难，请加快"}, 30)):
            factory.act(detail, user, action, payload, now=now - timedelta(days=3) + timedelta(hours=hours))
        db.session.commit()
        deadline_sweep(now)
        db.session.commit()
        return app, detail.number


def shoot(app, number, out):
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def signed_in(username):
            page = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                       base_url=base).new_page()
            page.goto("/login")
            page.fill("[name=username]", username)
            page.fill("[name=password]", "hotline-demo")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            return page

        page = signed_in("operator1")
        page.goto("/intake?caller_phone=13800000001&channel=phone")
        page.fill("[name=content]", "我家楼下的路灯坏了一个多月了，晚上出门黑漆漆的，老人摔了一跤，请尽快派人来修")
        page.fill("[name=address]", "城西区桂花街道金桂苑小区")
        page.locator("[name=content]").press("End")
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "intake-suggestions.png"), full_page=True)
        page = signed_in("dept_housing")
        page.goto("/department/accepted")
        page.screenshot(path=str(out / "department-queue.png"), full_page=True)
        page = signed_in("dispatcher1")
        page.goto(f"/tickets/{number}")
        page.screenshot(path=str(out / "ticket-detail.png"), full_page=True)
        browser.close()
    server.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="hotline-shots-"))
    app, number = build_centre(workdir / "demo.db", str(workdir / "models"))
    shoot(app, number, out)
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    main()
