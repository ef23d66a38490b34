"""The admin activates a model and rolls back on /admin/models; the training card shows progress."""
import pytest
from sqlalchemy import delete

from hotline.extensions import db
from hotline.routing import registry, training
from hotline.routing.training_requests import TrainingRequest
from hotline.timeutil import utcnow
from tests.routing.conftest import CODES


@pytest.fixture(scope="session")
def _scored_model():
    texts, labels = training.seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return training.fit([t for t, _ in chosen], [label for _, label in chosen])


@pytest.fixture
def live_models(live_app, _scored_model):
    """An active category model and a newer inactive one in the live app; their versions."""
    with live_app.app_context():
        first = registry.register(_scored_model, "category", "seed")
        registry.activate(first.version)
        second = registry.register(_scored_model, "category", "tickets")
        db.session.commit()
        versions = first.version, second.version
    yield versions
    with live_app.app_context():
        db.session.execute(delete(TrainingRequest))
        db.session.commit()


def active_mark(page, version):
    return page.get_attribute(f'tr[data-version="{version}"] [data-active]', "data-active")


def test_admin_activates_a_model_and_rolls_back(page, login, screenshot, live_models):
    first, second = live_models
    login(page, "admin")
    page.goto("/admin/models")
    assert active_mark(page, first) == "true" and active_mark(page, second) == "false"
    with page.expect_navigation():
        page.click(f'[data-activate="{second}"]')
    assert f"已启用模型 {second}" in page.inner_text(".page-body")
    assert active_mark(page, second) == "true" and active_mark(page, first) == "false"
    with page.expect_navigation():
        page.click('[data-rollback="category"]')
    assert f"已回滚到 {first}" in page.inner_text(".page-body")
    assert active_mark(page, first) == "true" and active_mark(page, second) == "false"
    page.click(f'a[href="/admin/models/{first}"]')
    page.wait_for_selector("#per-class")
    assert "噪音扰民" in page.inner_text("#per-class")
    screenshot(page, "admin-models-detail")


def test_training_progress_is_polled_until_done(page, login, screenshot, live_app, live_models):
    login(page, "admin")
    page.goto("/admin/models")
    with page.expect_navigation():
        page.click("#train-button")
    assert page.get_attribute("[data-training-status]", "data-training-status") == "pending"
    with live_app.app_context():
        request = db.session.query(TrainingRequest).one()
        request.status, request.stage, request.percent, request.started_at = "running", "训练分类模型", 40, utcnow()
        db.session.commit()
    page.locator("#training-stage", has_text="训练分类模型").wait_for()
    assert page.eval_on_selector("#training-card .progress-bar", "e => e.style.width") == "40%"
    screenshot(page, "admin-models")
    with live_app.app_context():
        request = db.session.query(TrainingRequest).one()
        request.status, request.stage, request.percent, request.finished_at = "done", "训练完成", 100, utcnow()
        request.result = {"models": [{"kind": "category", "version": live_models[1], "macro_f1": 0.9,
                                      "accuracy": 0.91}], "skipped": {}}
        db.session.commit()
    # The finished poll reloads the page, which then lists the new model and polls no more.
    page.locator('[data-training-status="done"]').wait_for()
    page.wait_for_load_state()
    assert page.get_attribute("#training-card", "hx-trigger") is None
    assert "训练完成" in page.inner_text("#training-card")
