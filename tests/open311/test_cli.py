"""`flask --app wsgi open311-key create|list|revoke|public-read`, and seed-demo's demo key."""
from sqlalchemy import select

from hotline.demo import DEMO_APP
from hotline.extensions import db
from hotline.open311 import keys
from hotline.open311.models import Open311Key


def _keys(app):
    with app.app_context():
        return db.session.execute(select(Open311Key.name, Open311Key.scope, Open311Key.revoked_at)
                                  .where(Open311Key.name != DEMO_APP).order_by(Open311Key.id)).all()


def test_create_list_revoke(runner, app, client):
    created = runner.invoke(args=["open311-key", "create", "区级平台", "--scope", "all"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert "密钥只显示这一次" in created.output and len(key) >= 32
    assert _keys(app) == [("区级平台", "all", None)]
    assert client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code == 200

    listed = runner.invoke(args=["open311-key", "list"])
    assert listed.exit_code == 0 and "区级平台" in listed.output and key[:8] in listed.output
    assert key not in listed.output and "有效" in listed.output and "公开读取：未开放" in listed.output

    revoked = runner.invoke(args=["open311-key", "revoke", "区级平台"])
    assert revoked.exit_code == 0 and "已吊销" in revoked.output
    assert _keys(app)[0].revoked_at is not None
    assert client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code == 403
    assert "已吊销" in runner.invoke(args=["open311-key", "list"]).output


def test_refusals_say_why_and_write_nothing(runner, app):
    assert runner.invoke(args=["open311-key", "create", "应用一"]).exit_code == 0
    duplicate = runner.invoke(args=["open311-key", "create", "应用一"])
    assert duplicate.exit_code == 1 and "已有名为「应用一」的密钥" in duplicate.output
    bad_scope = runner.invoke(args=["open311-key", "create", "应用二", "--scope", "everything"])
    assert bad_scope.exit_code == 2
    missing = runner.invoke(args=["open311-key", "revoke", "没有这个"])
    assert missing.exit_code == 1 and "不存在" in missing.output
    assert [k.name for k in _keys(app)] == ["应用一"]
    assert runner.invoke(args=["open311-key", "revoke", "应用一"]).exit_code == 0
    again = runner.invoke(args=["open311-key", "revoke", "应用一"])
    assert again.exit_code == 1 and "已于此前吊销" in again.output


def test_public_read_switch(runner, app, client):
    assert "未开放" in runner.invoke(args=["open311-key", "public-read"]).output
    assert "已开放" in runner.invoke(args=["open311-key", "public-read", "on"]).output
    assert client.get("/open311/v2/requests.json").status_code == 200
    assert runner.invoke(args=["open311-key", "public-read", "off"]).exit_code == 0
    assert client.get("/open311/v2/requests.json").status_code == 403
    assert runner.invoke(args=["open311-key", "public-read", "sometimes"]).exit_code == 2


def test_seed_demo_creates_the_demo_key_once(runner, app, client, monkeypatch):
    def demo(key):
        with app.app_context():
            return db.session.execute(select(Open311Key.name, Open311Key.scope).where(
                Open311Key.key_hash == keys.digest(key))).all()

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert demo("open311-demo-key") == [(DEMO_APP, "own")]  # seeded with the city, not made twice
    assert client.get("/open311/v2/requests.json", query_string={"api_key": "open311-demo-key"}).status_code == 200
    # Another key in HOTLINE_OPEN311_API_KEY: created once, under a name of its own.
    monkeypatch.setitem(app.config, "HOTLINE_OPEN311_API_KEY", "city-app-key-2026")
    for _ in range(2):
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
        assert demo("city-app-key-2026") == [(f"{DEMO_APP}（city-app）", "own")]
    assert client.get("/open311/v2/requests.json", query_string={"api_key": "city-app-key-2026"}).status_code == 200
