"""Versioned models on disk, listed in the database; workers follow the active row."""
import secrets
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from classifier.errors import ClassifierError
from classifier.model import TrainedModel
from hotline.audit import service as audit
from hotline.errors import InvalidInput, NotFound
from hotline.extensions import db
from hotline.refresh import Refreshed, app_state
from hotline.routing.models import ClassifierModel
from hotline.timeutil import utcnow

KINDS = ("category", "department")
KIND_LABELS = {"category": "分类模型", "department": "部门模型"}
SOURCES = {"seed": "种子语料", "tickets": "已确认工单", "file": "导入文件"}


def model_root():
    return Path(current_app.config["HOTLINE_MODEL_DIR"])


def register(trained, kind, source, now=None):
    """Save a trained model under a new version; it stays inactive until activated."""
    now = now or utcnow()
    version = f"{kind}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    path = model_root() / version
    trained.save(path)
    row = ClassifierModel(
        kind=kind, version=version, path=str(path), n_samples=trained.n_samples,
        data_hash=trained.data_sha256, metrics=_summary(trained.metrics),
        source=source, created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def get(version):
    row = db.session.scalar(select(ClassifierModel).where(ClassifierModel.version == version))
    if row is None:
        raise NotFound(f"模型 {version} 不存在")
    return row


def models():
    """Every registered model, newest first."""
    return db.session.scalars(select(ClassifierModel).order_by(ClassifierModel.id.desc())).all()


def activate(version, now=None, actor=None, action="activate"):
    """Make `version` its kind's active model; audited, by `actor` or the system."""
    row = get(version)
    TrainedModel.load(row.path)  # refuse now, not at the next request, if it cannot load
    previous = None
    for other in db.session.scalars(
        select(ClassifierModel).where(ClassifierModel.kind == row.kind, ClassifierModel.active)
    ):
        other.active, previous = False, other.version
    row.active = True
    row.activated_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "model", row.version, action, {"kind": row.kind, "active": previous},
                 {"kind": row.kind, "active": row.version}, now=now)
    return row


def rollback(kind, now=None, actor=None):
    """Re-activate the model that was active before the current one."""
    history = db.session.scalars(
        select(ClassifierModel)
        .where(ClassifierModel.kind == kind, ClassifierModel.activated_at.is_not(None))
        .order_by(ClassifierModel.activated_at.desc(), ClassifierModel.id.desc())
    ).all()
    if len(history) < 2:
        raise InvalidInput(f"没有可回滚的{KIND_LABELS.get(kind, kind)}", code="nothing_to_roll_back")
    return activate(history[1].version, now, actor, action="rollback")


def active_row(kind):
    return db.session.scalar(
        select(ClassifierModel).where(ClassifierModel.kind == kind, ClassifierModel.active)
    )


def active_model(kind):
    """(row, TrainedModel) of the active model, loaded once per process and version."""
    row = active_row(kind)
    if row is None:
        return None, None
    return row, _loaded_model(kind, row.version, row.path)


def active_models():
    """{kind: (version, TrainedModel)} of every active model that loads, in one light query:
    intake asks for both on every call, and goes on without a model that cannot load (made
    with other library versions, files gone) rather than fail; the log says why."""
    models = {}
    for row in _active_rows.get():
        try:
            models[row.kind] = (row.version, _loaded_model(row.kind, row.version, row.path))
        except ClassifierError as error:
            current_app.logger.error("active %s model %s cannot be loaded: %s", row.kind, row.version, error)
    return models


def _active_model_rows():
    return db.session.execute(
        select(ClassifierModel.kind, ClassifierModel.version, ClassifierModel.path).where(ClassifierModel.active)
    ).all()


# Which versions are active is looked up at most every refresh interval.
_active_rows = Refreshed("active_models", _active_model_rows)


class _Loaded:
    """This app's loaded models: kind → (version, TrainedModel)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.models = {}


def loaded_models():
    return app_state("hotline.models", _Loaded)


def _loaded_model(kind, version, path):
    loaded = loaded_models()
    with loaded.lock:
        cached = loaded.models.get(kind)
        if cached is None or cached[0] != version:
            cached = (version, TrainedModel.load(path))
            loaded.models[kind] = cached
    return cached[1]


def _summary(metrics):
    """The held-out scores overall and per class, how they were held out, and the labels left out
    for want of examples; the confusion matrix stays in metadata.json."""
    keys = ("macro_f1", "accuracy", "ece", "n_samples", "holdout", "method", "folds", "n_scored_from", "left_out",
            "per_class")
    return {k: metrics[k] for k in keys if k in metrics}
