"""The models' admin page: scores, per-class figures, training request with polled progress, activation, rollback."""
import pytest
from sqlalchemy import delete, func, select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.routing import registry, training
from hotline.routing.models import ClassifierModel
from hotline.routing.training_requests import TrainingRequest
from hotline.timeutil import utcnow
from tests.routing.conftest import CODES


@pytest.fixture(scope="session")
def scored_model():
    texts, labels = training.seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return training.fit([t for t, _ in chosen], [label for _, label in chosen])


@pytest.fixture(autouse=True)
def _no_training_requests(app):
    yield
    with app.app_context():
        db.session.execute(delete(TrainingRequest))
        db.session.commit()


@pytest.fixture
def two_models(ctx, scored_model):
    first = registry.register(scored_model, "category", "seed")
    registry.activate(first.version)
    second = registry.register(scored_model, "category", "tickets")
    db.session.commit()
    return first.version, second.version


def active_version():
    db.session.expire_all()
    return registry.active_row("category").version


def model_actions():
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "model",
                                                               AuditEntry.actor_name == "admin")
                              .order_by(AuditEntry.id)).all()


def test_the_page_lists_models_with_their_scores(web, two_models):
    page = web("admin").get("/admin/models")
    assert page.status_code == 200
    first = registry.get(two_models[0])
    assert f'data-version="{two_models[0]}"' in page.text and f'data-version="{two_models[1]}"' in page.text
    assert f"{first.metrics['macro_f1']:.3f}" in page.text and f"{first.metrics['accuracy']:.3f}" in page.text
    assert f'<td class="text-end" data-metric="ece">{first.metrics["ece"]:.3f}</td>' in page.text
    assert f'<td class="text-end" data-metric="n_held_out">{first.metrics["n_samples"]}</td>' in page.text
    assert "启用中" in page.text and "种子语料" in page.text and "已确认工单" in page.text
    assert 'data-rollback="category"' not in page.text  # nothing was active before the first


def test_the_detail_shows_per_class_figures_in_chinese(web, two_models):
    page = web("admin").get(f"/admin/models/{two_models[0]}")
    assert page.status_code == 200
    for code in CODES:
        assert f'data-class="{code}"' in page.text
    assert "<td>噪音扰民</td>" in page.text and "<td>noise</td>" not in page.text
    metrics = registry.get(two_models[0]).metrics
    assert "期望校准误差 ECE" in page.text and f'{metrics["ece"]:.3f}' in page.text
    assert "5 折交叉验证" in page.text and 'id="left-out"' not in page.text


def test_the_detail_names_the_labels_left_out(web, ctx, scored_model):
    scored_model.metrics = scored_model.metrics | {"left_out": {"gas_supply": 2}}
    try:
        row = registry.register(scored_model, "category", "tickets")
    finally:
        scored_model.metrics = {k: v for k, v in scored_model.metrics.items() if k != "left_out"} | {"left_out": {}}
    db.session.commit()
    page = web("admin").get(f"/admin/models/{row.version}")
    assert "样本少于 5 条、未参加训练：燃气（2 条）" in page.text


def test_admin_activates_and_rolls_back_from_the_page(web, two_models):
    first, second = two_models
    admin = web("admin")
    response = admin.post(f"/admin/models/{second}/activate")
    assert response.status_code == 302 and active_version() == second
    page = admin.get("/admin/models").text
    assert f"已启用模型 {second}" in page and 'data-rollback="category"' in page
    assert admin.post("/admin/models/rollback", {"kind": "category"}).status_code == 302
    assert active_version() == first
    assert model_actions() == ["activate", "rollback"]


def test_a_refused_rollback_shows_why_and_changes_nothing(web, two_models):
    response = web("admin").post("/admin/models/rollback", {"kind": "department"})
    assert response.status_code == 400 and "没有可回滚的部门模型" in response.text
    assert active_version() == two_models[0] and model_actions() == []


def test_training_is_requested_and_its_progress_polled(web, ctx):
    admin = web("admin")
    response = admin.post("/admin/models/train")
    assert response.status_code == 302
    request = db.session.scalar(select(TrainingRequest))
    assert request.status == "pending" and model_actions() == ["train"]
    page = admin.get("/admin/models").text
    assert "排队中" in page and 'hx-trigger="every 2s"' in page and "/admin/models/training?wait=1" in page
    assert admin.post("/admin/models/train").status_code == 409
    request.status, request.stage, request.percent, request.started_at = "running", "训练分类模型", 40, utcnow()
    db.session.commit()
    polled = admin.get("/admin/models/training?wait=1", headers={"HX-Request": "true"})
    assert "训练分类模型" in polled.text and 'data-width="40"' in polled.text and "HX-Refresh" not in polled.headers
    request.status, request.stage, request.percent = "done", "训练完成", 100
    request.result = {"models": [], "skipped": {}}
    db.session.commit()
    finished = admin.get("/admin/models/training?wait=1", headers={"HX-Request": "true"})
    assert finished.headers["HX-Refresh"] == "true" and "hx-trigger" not in finished.text


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "dept_housing"])
def test_only_admins_open_the_models_page(web, two_models, username):
    browser = web(username)
    assert browser.get("/admin/models").status_code == 403
    assert browser.post(f"/admin/models/{two_models[1]}/activate").status_code == 403
    assert browser.post("/admin/models/train").status_code == 403
    assert active_version() == two_models[0]
    assert db.session.scalar(select(func.count(TrainingRequest.id))) == 0


def test_activation_without_csrf_token_is_refused(web, two_models):
    assert web("admin").post(f"/admin/models/{two_models[1]}/activate", csrf=False).status_code == 400
    assert active_version() == two_models[0]


def test_an_unknown_model_is_404(web, ctx):
    assert web("admin").get("/admin/models/no-such-version").status_code == 404
    assert db.session.scalar(select(func.count(ClassifierModel.id))) == 0
