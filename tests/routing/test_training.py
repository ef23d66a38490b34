"""Nightly retraining from confirmed tickets, and the default model of a fresh install."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline import refresh
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.routing import registry, training
from tests.routing.conftest import CODES

TEXTS = {
    "property": "物业公司不打扫楼道，垃圾堆了好几天，物业费却照收",
    "noise": "楼下酒吧每天夜里音响开得很大，吵得没法睡觉",
    "gas_supply": "燃气表走字太快，这个月燃气费比平时多了一倍",
}


@pytest.fixture
def small_seed(monkeypatch):
    """Retrain on the six-category slice of the seed corpus, to keep the test quick."""
    texts, labels = training.seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    monkeypatch.setattr(training, "seed_corpus",
                        lambda: ([t for t, _ in chosen], [label for _, label in chosen]))


def confirm_tickets(factory, per_code=5):
    for code, text in TEXTS.items():
        category = db.session.scalar(select(Category).where(Category.code == code))
        for n in range(per_code):
            factory.ticket("accepted", content=f"{text}（第{n + 1}次反映）", category_id=category.id)


def test_confirmed_tickets_carry_final_category_and_department(factory):
    confirm_tickets(factory, per_code=1)
    factory.ticket("dispatched", content="还没签收的不算确认")
    texts, labels = training.confirmed_tickets("category")
    assert sorted(labels) == sorted(TEXTS)
    assert training.confirmed_tickets("department")[1] == ["housing"] * 3
    assert all("第1次反映" in text for text in texts)


def test_retrain_activates_a_model_that_is_not_worse(factory, active_model, small_seed):
    confirm_tickets(factory)
    report = training.retrain()
    db.session.commit()
    assert report["category"]["activated"] is True
    assert report["category"]["new_macro_f1"] >= report["category"]["active_macro_f1"]
    assert registry.active_row("category").version == report["category"]["version"]
    assert registry.active_row("category").source == "tickets"
    assert "skipped" in report["department"]


def test_retrain_keeps_the_active_model_when_the_new_one_scores_worse(
        factory, active_model, small_seed, monkeypatch):
    confirm_tickets(factory)
    active = registry.active_model("category")[1]
    monkeypatch.setattr(training, "evaluate",
                        lambda model, texts, labels: {"macro_f1": 0.9 if model is active else 0.5})
    report = training.retrain()
    db.session.commit()
    assert report["category"] == {"activated": False, "held_out": 3,
                                  "new_macro_f1": 0.5, "active_macro_f1": 0.9}
    assert registry.active_row("category").version == active_model.version


def test_retrain_without_confirmed_tickets_changes_nothing(ctx, active_model):
    report = training.retrain()
    assert report["category"] == {"skipped": "no confirmed tickets"}
    assert registry.active_row("category").version == active_model.version


def test_default_model_is_trained_once(ctx, small_seed):
    row = training.ensure_default_model()
    db.session.commit()
    assert row.active and row.source == "seed" and set(CODES) <= set(
        registry.active_model("category")[1].labels)
    assert training.ensure_default_model() is None


def _made_with_other_libraries(row):
    """Rewrite a saved model's metadata as if another scikit-learn had made it."""
    metadata_file = Path(row.path) / "metadata.json"
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    metadata["versions"]["scikit-learn"] = "0.1.0"
    metadata_file.write_text(json.dumps(metadata), encoding="utf-8")
    registry.loaded_models().models.clear()  # as in a worker started after the upgrade


def test_default_model_replaces_an_active_model_that_no_longer_loads(ctx, active_model, small_seed):
    _made_with_other_libraries(active_model)
    row = training.ensure_default_model()
    db.session.commit()
    assert row is not None and row.version != active_model.version
    assert registry.active_row("category").version == row.version
    assert registry.active_model("category")[1].labels


def test_intake_goes_on_without_a_model_that_no_longer_loads(api, active_model, app, caplog):
    _made_with_other_libraries(active_model)
    response = api("operator1").post("/classify", json={"content": "小区门口的路灯坏了好几天，晚上很黑"})
    assert response.status_code == 200, response.json
    assert response.json["manual"] is True and response.json["departments"] == []
    assert response.json["urgency"]["level"] == "normal"
    assert "cannot be loaded" in caplog.text and active_model.version in caplog.text


def test_activation_reaches_intake_within_the_refresh_interval(app, ctx, active_model, small_model, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_ROUTING_REFRESH_SECONDS", 30)
    clock = [5000.0]
    monkeypatch.setattr(refresh.time, "monotonic", lambda: clock[0])
    registry._active_rows.clear()
    assert registry.active_models()["category"][0] == active_model.version
    newer = registry.register(small_model, "category", "seed")
    registry.activate(newer.version)
    db.session.commit()
    clock[0] += 29
    assert registry.active_models()["category"][0] == active_model.version
    clock[0] += 2
    assert registry.active_models()["category"][0] == newer.version
    registry._active_rows.clear()
