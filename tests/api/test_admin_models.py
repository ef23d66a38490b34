"""The models' admin API: held-out metrics at training, training as a scheduler job, activation, rollback."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from classifier.model import TrainedModel
from hotline.audit.models import AuditEntry
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.jobs.models import JobRun
from hotline.routing import registry, training
from hotline.routing.models import ClassifierModel
from hotline.routing.training_requests import STALE_AFTER, TrainingRequest
from hotline.timeutil import utcnow
from tests.api.support import assert_error, make_ticket, tokens  # noqa: F401
from tests.routing.conftest import CODES

FULL_SEED = training.seed_corpus  # kept before the tests replace it with small_corpus


def small_corpus():
    texts, labels = FULL_SEED()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    return [t for t, _ in chosen], [label for _, label in chosen]


@pytest.fixture(scope="session")
def scored_model():
    return training.fit(*small_corpus())


@pytest.fixture(autouse=True)
def _no_training_requests(app):
    yield
    with app.app_context():
        db.session.execute(delete(TrainingRequest))
        db.session.commit()


@pytest.fixture
def small_seed(monkeypatch):
    monkeypatch.setattr(training, "seed_corpus", small_corpus)


@pytest.fixture
def call(client, tokens):
    def as_user(username, method, path, **kw):
        headers = {"Authorization": f"Bearer {tokens(username)}"}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kw)
    return as_user


@pytest.fixture
def admin(call):
    return lambda method, path, **kw: call("admin", method, path, **kw)


@pytest.fixture
def two_models(app, scored_model):
    """An active category model and a newer inactive one; returns their versions."""
    with app.app_context():
        first = registry.register(scored_model, "category", "seed")
        registry.activate(first.version)
        second = registry.register(scored_model, "category", "tickets")
        db.session.commit()
        return first.version, second.version


def rows(app):
    with app.app_context():
        return (tuple(db.session.execute(select(ClassifierModel.version, ClassifierModel.active)
                                         .order_by(ClassifierModel.id)).all()),
                db.session.scalar(select(func.count(AuditEntry.id))),
                db.session.scalar(select(func.count(TrainingRequest.id))))


def model_audit(app):
    with app.app_context():
        return db.session.execute(select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before,
                                         AuditEntry.after, AuditEntry.actor_name)
                                  .where(AuditEntry.entity == "model").order_by(AuditEntry.id)).all()


def test_a_trained_model_carries_its_held_out_scores(scored_model):
    metrics = scored_model.metrics
    assert 0 < metrics["macro_f1"] <= 1 and 0 < metrics["accuracy"] <= 1
    assert set(metrics["per_class"]) == set(CODES)
    assert set(metrics["per_class"]["noise"]) == {"precision", "recall", "f1", "support"}
    # Fewer than 1,000 texts: each scored by one of 5 models fitted without it, then fitted on every text.
    texts, _ = small_corpus()
    assert scored_model.n_samples == len(texts)
    assert metrics["n_samples"] == len(texts) and metrics["method"] == "cross_validation"
    assert 0 <= metrics["ece"] < 0.5 and metrics["left_out"] == {}


def test_registered_models_keep_their_metrics_in_row_and_metadata(app, scored_model):
    with app.app_context():
        row = registry.register(scored_model, "category", "seed")
        db.session.commit()
        assert set(row.metrics) >= {"macro_f1", "accuracy", "ece", "method", "per_class", "n_samples"}
        assert TrainedModel.load(row.path).metrics["per_class"] == row.metrics["per_class"]


def test_admin_lists_models_with_their_scores(admin, two_models):
    listing = admin("get", "/admin/models")
    assert listing.status_code == 200
    versions = [m["version"] for m in listing.json["items"]]
    assert versions == [two_models[1], two_models[0]]
    first = listing.json["items"][1]
    assert first["active"] is True and 0 < first["metrics"]["macro_f1"] <= 1
    assert set(first["metrics"]["per_class"]) == set(CODES)
    assert listing.json["training"] is None


def test_admin_activates_and_rolls_back_each_change_audited(admin, app, two_models):
    first, second = two_models
    activated = admin("post", f"/admin/models/{second}/activate")
    assert activated.status_code == 200 and activated.json["active"] is True
    rolled = admin("post", "/admin/models/rollback", json={"kind": "category"})
    assert rolled.status_code == 200 and rolled.json["version"] == first
    with app.app_context():
        assert registry.active_row("category").version == first
    trail = [entry for entry in model_audit(app) if entry.actor_name == "admin"]
    assert [(e.action, e.entity_id) for e in trail] == [("activate", second), ("rollback", first)]
    assert trail[0].before == {"kind": "category", "active": first}
    assert trail[1].after == {"kind": "category", "active": first}


@pytest.mark.parametrize("method, path, body, status", [
    ("post", "/admin/models/rollback", {"kind": "department"}, 400),
    ("post", "/admin/models/rollback", {"kind": "topic"}, 400),
    ("post", "/admin/models/rollback", {}, 400),
    ("post", "/admin/models/no-such-version/activate", None, 404),
    ("post", "/admin/models/train", {"kind": "category"}, 400),
])
def test_bad_model_requests_write_nothing(admin, app, two_models, method, path, body, status):
    before = rows(app)
    assert_error(admin(method, path, json=body) if body is not None else admin(method, path), status)
    assert rows(app) == before


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "dispatcher1", "dept_housing"])
def test_only_admins_see_and_change_models(call, app, two_models, username):
    before = rows(app)
    assert_error(call(username, "get", "/admin/models"), 403)
    assert_error(call(username, "post", f"/admin/models/{two_models[1]}/activate"), 403)
    assert_error(call(username, "post", "/admin/models/rollback", json={"kind": "category"}), 403)
    assert_error(call(username, "post", "/admin/models/train", json={}), 403)
    assert rows(app) == before


def test_training_request_is_queued_once(admin, app):
    queued = admin("post", "/admin/models/train")
    assert queued.status_code == 202 and queued.json["status"] == "pending" and queued.json["percent"] == 0
    before = rows(app)
    assert_error(admin("post", "/admin/models/train", json={}), 409, "training_in_progress")
    assert rows(app) == before
    assert admin("get", "/admin/models").json["training"]["id"] == queued.json["id"]
    assert [(e.action, e.entity_id) for e in model_audit(app)] == [("train", f"training-{queued.json['id']}")]


def category_ids():
    return dict(db.session.execute(select(Category.code, Category.id)).tuples().all())


def test_training_job_trains_registers_and_reports_progress(admin, app, runner, make_ticket, small_seed):
    with app.app_context():
        ids = category_ids()
    for code, text in (("property", "物业公司不打扫楼道，垃圾堆了好几天"), ("noise", "楼下酒吧每天夜里音响开得很大")):
        for n in range(3):
            make_ticket("accepted", content=f"{text}（第{n + 1}次反映）", category_id=ids[code])
    request_id = admin("post", "/admin/models/train").json["id"]
    result = runner.invoke(args=["jobs", "run", "train_models"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        request = db.session.get(TrainingRequest, request_id)
        assert (request.status, request.percent, request.stage) == ("done", 100, "训练完成")
        assert request.started_at is not None and request.finished_at is not None
        [trained] = request.result["models"]
        assert "department" in request.result["skipped"]
        row = registry.get(trained["version"])
        assert row.kind == "category" and row.source == "tickets" and not row.active
        assert row.n_samples == len(small_corpus()[0]) + 6
        assert 0 < row.metrics["macro_f1"] <= 1 and set(row.metrics["per_class"]) == set(CODES)
        assert trained["macro_f1"] == row.metrics["macro_f1"]
    assert ("create", trained["version"]) in [(e.action, e.entity_id) for e in model_audit(app)]
    listing = admin("get", "/admin/models").json
    assert listing["training"]["status"] == "done" and listing["items"][0]["version"] == trained["version"]


def test_training_job_exits_at_once_when_nothing_is_pending(app, runner):
    result = runner.invoke(args=["jobs", "run", "train_models"])
    assert result.exit_code == 0 and '"trained": 0' in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(ClassifierModel.id))) == 0
        assert db.session.scalar(select(JobRun.result).where(JobRun.job == "train_models")) == {"trained": 0}


def test_a_failed_training_is_reported_and_frees_the_queue(admin, app, runner, monkeypatch):
    def broken(texts, labels, fixed=((), ())):
        raise ValueError("语料有误")

    monkeypatch.setattr(training, "fit", broken)
    request_id = admin("post", "/admin/models/train").json["id"]
    assert runner.invoke(args=["jobs", "run", "train_models"]).exit_code == 0
    with app.app_context():
        request = db.session.get(TrainingRequest, request_id)
        assert request.status == "failed" and request.error == "语料有误"
        assert db.session.scalar(select(func.count(ClassifierModel.id))) == 0
    assert admin("post", "/admin/models/train").status_code == 202


def test_a_training_abandoned_by_a_stopped_scheduler_can_be_requested_again(admin, app):
    with app.app_context():
        db.session.add(TrainingRequest(status="running", started_at=utcnow() - STALE_AFTER - timedelta(minutes=1),
                                       stage="训练分类模型", percent=15, result={}))
        db.session.commit()
    assert admin("post", "/admin/models/train").status_code == 202
