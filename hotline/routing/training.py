"""Training routing models from the seed corpus and from tickets whose routing was confirmed."""
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from classifier.errors import ClassifierError, DataError
from classifier.model import TrainedModel
from classifier.pipeline import compose_text
from classifier.train import evaluate, read_csv, train
from hotline.audit import service as audit
from hotline.auth.models import User
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.routing import registry
from hotline.routing import training_requests as requests
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import State

SEED_DIR = Path(__file__).resolve().parents[2] / "classifier" / "data" / "seed"
# A dispatch is confirmed once the department signed for it and it was not sent back.
CONFIRMED_STATES = (State.ACCEPTED, State.REPLIED, State.PENDING_REVISIT, State.CLOSED)
# The share of texts a model is scored on before the model kept is fitted on all of them.
HOLDOUT = 0.2


def fit(texts, labels):
    """A model fitted on every text, carrying its scores on a stratified held-out fifth."""
    try:
        return train(texts, labels, holdout=HOLDOUT, refit=True)
    except DataError:
        # A label too rare to keep examples on both sides of the split: scored on nothing, but
        # still fitted, as before metrics were kept; the page shows its scores as unknown.
        return train(texts, labels)


def seed_corpus():
    texts, labels = [], []
    for path in sorted(SEED_DIR.glob("*.csv")):
        file_texts, file_labels = read_csv(path)
        texts += file_texts
        labels += file_labels
    return texts, labels


def confirmed_tickets(label):
    """(texts, labels) of confirmed tickets, oldest first; label is 'category' or 'department'."""
    leaf, group = aliased(Category), aliased(Category)
    # Tickets may be filed under a level-3 category; the model predicts its level-2 parent.
    category_code = db.func.coalesce(leaf.code, group.code)
    label_column = category_code if label == "category" else Department.code
    rows = db.session.execute(
        select(Ticket.subject, Ticket.content, Ticket.address, label_column)
        .join(leaf, leaf.id == Ticket.final_category_id)
        .outerjoin(group, group.id == leaf.parent_id)
        .join(Department, Department.id == Ticket.final_department_id)
        .where(Ticket.state.in_(CONFIRMED_STATES), label_column.is_not(None))
        .order_by(Ticket.id)
    ).all()
    return [compose_text(s, c, a) for s, c, a, _ in rows], [row[3] for row in rows]


def train_category_model(extra=((), ()), now=None):
    seed_texts, seed_labels = seed_corpus()
    texts, labels = seed_texts + list(extra[0]), seed_labels + list(extra[1])
    return registry.register(fit(texts, labels), "category", "tickets" if extra[0] else "seed", now)


def ensure_default_model(now=None):
    """Train and activate the seed model when no usable category model is active: none yet, or
    one this install can no longer load (made with other library versions, or its files gone)."""
    active = registry.active_row("category")
    if active is not None:
        try:
            TrainedModel.load(active.path)
            return None
        except ClassifierError as error:
            current_app.logger.warning("active category model %s cannot be loaded, retraining: %s",
                                       active.version, error)
    row = train_category_model(now=now)
    registry.activate(row.version, now)
    return row


def retrain(now=None):
    """Nightly: train on confirmed tickets; activate only if not worse on held-out tickets."""
    seed_texts, seed_labels = seed_corpus()

    def with_seed(texts, labels):
        return fit(seed_texts + texts, seed_labels + labels)

    data = {kind: confirmed_tickets(kind) for kind in registry.KINDS}
    active = {kind: registry.active_model(kind)[1] for kind in registry.KINDS}
    # Training takes minutes: end the read transaction so that SQLite's write lock is free.
    db.session.commit()
    report = {}
    texts, labels = data["category"]
    report["category"] = (
        _retrain_kind("category", texts, labels, active["category"], now, fit=with_seed)
        if texts else {"skipped": "no confirmed tickets"}
    )
    texts, labels = data["department"]
    if len(texts) >= current_app.config["HOTLINE_DEPARTMENT_MODEL_MIN"] and len(set(labels)) > 1:
        report["department"] = _retrain_kind("department", texts, labels, active["department"],
                                              now, fit=fit)
    else:
        report["department"] = {"skipped": f"only {len(texts)} confirmed tickets"}
    return report


def _retrain_kind(kind, texts, labels, active, now, fit):
    """Score a candidate trained on the older 80% against the active model on the newest 20%."""
    cut = int(len(texts) * 0.8)
    held_texts, held_labels = texts[cut:], labels[cut:]
    if held_texts and active is not None:
        candidate = fit(texts[:cut], labels[:cut])
        new_score = evaluate(candidate, held_texts, held_labels)["macro_f1"]
        old_score = evaluate(active, held_texts, held_labels)["macro_f1"]
    else:
        new_score = old_score = None
    better = old_score is None or new_score >= old_score
    if not better:
        return {"activated": False, "held_out": len(held_texts),
                "new_macro_f1": new_score, "active_macro_f1": old_score}
    row = registry.register(fit(texts, labels), kind, "tickets", now)
    registry.activate(row.version, now)
    return {"version": row.version, "activated": True, "held_out": len(held_texts),
            "new_macro_f1": new_score, "active_macro_f1": old_score}


def train_requested(now):
    """The scheduler's job: train the oldest requested training, reporting its progress as it goes.

    The new models are registered inactive; the admin compares their scores and activates one.
    """
    row = requests.claim(now)
    if row is None:
        return {"trained": 0}
    try:
        report = _train_for_request(row, now)
    except Exception as error:
        # Whatever went wrong, the page must stop showing the training as running.
        db.session.rollback()
        current_app.logger.exception("training request %s failed", row.id)
        row.status, row.stage, row.finished_at = "failed", "训练失败", now
        row.error = str(error)[:500] or type(error).__name__
        return {"trained": 0, "request": row.id, "error": row.error}
    row.status, row.stage, row.percent, row.finished_at, row.result = "done", "训练完成", 100, now, report
    return {"trained": len(report["models"]), "request": row.id}


def _train_for_request(row, now):
    requester = db.session.get(User, row.requested_by_id) if row.requested_by_id else None
    requests.progress(row, "读取已确认工单", 5)
    seed_texts, seed_labels = seed_corpus()
    data = {kind: confirmed_tickets(kind) for kind in registry.KINDS}
    requests.progress(row, f"训练分类模型（种子语料加 {len(data['category'][0])} 张已确认工单，留出 20% 评估）", 15)
    trained = {"category": fit(seed_texts + data["category"][0], seed_labels + data["category"][1])}
    texts, labels = data["department"]
    skipped = {}
    if len(texts) >= current_app.config["HOTLINE_DEPARTMENT_MODEL_MIN"] and len(set(labels)) > 1:
        requests.progress(row, f"训练部门模型（{len(texts)} 张已确认工单，留出 20% 评估）", 55)
        trained["department"] = fit(texts, labels)
    else:
        skipped["department"] = f"已确认工单仅 {len(texts)} 张，不足以训练部门模型"
    requests.progress(row, "登记新模型", 90)
    models = []
    for kind, model in trained.items():
        registered = registry.register(model, kind, "tickets", now)
        audit.record(requester, "model", registered.version, "create", None,
                     {"kind": kind, "n_samples": registered.n_samples,
                      "macro_f1": registered.metrics.get("macro_f1")}, now=now)
        models.append({"kind": kind, "version": registered.version,
                       "macro_f1": registered.metrics.get("macro_f1"),
                       "accuracy": registered.metrics.get("accuracy")})
    return {"models": models, "skipped": skipped}
