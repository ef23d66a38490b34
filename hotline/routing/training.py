"""Training routing models from the seed corpus and from tickets whose routing was confirmed."""
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from classifier.errors import ClassifierError, DataError
from classifier.model import TrainedModel
from classifier.pipeline import compose_text
from classifier.train import HOLDOUT, MIN_PER_LABEL, assess, evaluate, left_out_scarce, read_csv, train
from hotline.audit import service as audit
from hotline.auth.models import User
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.routing import registry
from hotline.routing import training_requests as requests
from hotline.tickets.models import Ticket
from hotline.tickets.workflow import State

SEED_DIR = Path(__file__).resolve().parents[2] / "classifier" / "data" / "seed"
# A confirmed department label: a ticket a person dispatched (only operators and dispatchers may),
# that the department signed for and that is not (or no longer) being sent back as wrongly routed:
# signed, replied, awaiting revisit or closed. A return request that was granted puts the ticket back
# to 待派单 (received), and a pending one holds it in return_requested, so neither counts; one that
# was refused returns it to its signed state, and the dispatcher's routing stands.
CONFIRMED_STATES = (State.ACCEPTED, State.REPLIED, State.PENDING_REVISIT, State.CLOSED)
# A confirmed category label: a ticket whose category a person gave or kept at intake or dispatch
# (category_confirmed); tickets marked invalid are not messages worth learning from.
UNLEARNABLE_STATES = (State.INVALID,)


def fit(texts, labels, fixed=((), ())):
    """A model fitted on `fixed` + every text, carrying its held-out metrics (assessed on `texts`, or on
    `fixed` when there are no texts) and, under "left_out", the labels too rare to learn."""
    return fitted(*judged(texts, labels, fixed))


def judged(texts, labels, fixed=((), ()), score_fixed=True):
    """(Assessment, texts, labels, fixed) after leaving out labels with too few examples; with no
    texts left, `fixed` is scored instead when score_fixed, else it is an error."""
    texts, labels, left_out = left_out_scarce(list(texts), list(labels), also=fixed[1])
    if not texts and not score_fixed:
        raise DataError(f"没有可用于评估的已确认工单（样本不足而未用：{_listed(left_out)}）")
    if not texts:
        texts, labels, fixed = list(fixed[0]), list(fixed[1]), ((), ())
    if len(set(labels) | set(fixed[1])) < 2:
        raise DataError(f"至少需要两个各有 {MIN_PER_LABEL} 条以上样本的类别才能训练"
                        + (f"（样本不足而未用：{_listed(left_out)}）" if left_out else ""))
    assessment = assess(texts, labels, fixed=fixed, holdout=HOLDOUT)
    assessment.metrics["left_out"] = left_out
    return assessment, texts, labels, fixed


def fitted(assessment, texts, labels, fixed):
    """The model fitted on every text, carrying the assessment's metrics."""
    model = train(list(fixed[0]) + texts, list(fixed[1]) + labels)
    model.metrics = assessment.metrics | {"n_scored_from": len(texts)}
    return model


def _listed(left_out):
    return "、".join(f"{label}（{n} 条）" for label, n in left_out.items())


def left_out_message(metrics):
    """The Chinese line saying which labels a model leaves out, or None."""
    left_out = (metrics or {}).get("left_out") or {}
    return f"样本少于 {MIN_PER_LABEL} 条、未参加训练：{_listed(left_out)}" if left_out else None


def seed_corpus():
    texts, labels = [], []
    for path in sorted(SEED_DIR.glob("*.csv")):
        file_texts, file_labels = read_csv(path)
        texts += file_texts
        labels += file_labels
    return texts, labels


def confirmed_tickets(label):
    """(texts, labels) of tickets whose `label` ('category' or 'department') a person confirmed, oldest
    first: categories of tickets with category_confirmed, departments of CONFIRMED_STATES tickets."""
    text_columns = (Ticket.subject, Ticket.content, Ticket.address)
    if label == "category":
        leaf, group = aliased(Category), aliased(Category)
        # Tickets may be filed under a level-3 category (which has no code); the model predicts its
        # level-2 parent.
        code = db.func.coalesce(leaf.code, group.code)
        query = (select(*text_columns, code).join(leaf, leaf.id == Ticket.category_id)
                 .outerjoin(group, group.id == leaf.parent_id)
                 .where(Ticket.category_confirmed, Ticket.state.not_in(UNLEARNABLE_STATES), code.is_not(None)))
    else:
        query = (select(*text_columns, Department.code).join(Department, Department.id == Ticket.final_department_id)
                 .where(Ticket.state.in_(CONFIRMED_STATES)))
    rows = db.session.execute(query.order_by(Ticket.id)).all()
    return [compose_text(s, c, a) for s, c, a, _ in rows], [row[3] for row in rows]


def train_category_model(extra=((), ()), now=None):
    """Register a category model fitted on the seed corpus plus `extra` (texts, labels) of confirmed
    tickets, scored on held-out tickets (on held-out seed texts when there are none)."""
    model = fit(extra[0], extra[1], fixed=seed_corpus())
    return registry.register(model, "category", "tickets" if extra[0] else "seed", now)


def ensure_default_model(now=None):
    """Train and activate the seed model when no usable category model is active: none yet, or
    one this install can no longer load (made with other library or pipeline versions, or its
    files gone)."""
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
    """Nightly: train on confirmed tickets; activate only if not worse than the active model on the
    candidate's own held-out tickets."""
    data = {kind: confirmed_tickets(kind) for kind in registry.KINDS}
    active = {kind: registry.active_model(kind)[1] for kind in registry.KINDS}
    seed = seed_corpus()
    # Training takes minutes: end the read transaction so that SQLite's write lock is free.
    db.session.commit()
    report = {}
    texts, labels = data["category"]
    report["category"] = (_retrain_kind("category", texts, labels, seed, active["category"], now)
                          if texts else {"skipped": "no confirmed tickets"})
    texts, labels = data["department"]
    if len(texts) >= current_app.config["HOTLINE_DEPARTMENT_MODEL_MIN"]:
        report["department"] = _retrain_kind("department", texts, labels, ((), ()), active["department"], now)
    else:
        report["department"] = {"skipped": f"only {len(texts)} confirmed tickets"}
    return report


def _retrain_kind(kind, texts, labels, fixed, active, now):
    """Assess a candidate on held-out confirmed tickets, score the active model on the same tickets,
    and register and activate the candidate (fitted on everything) unless it scores lower.

    The seed corpus (`fixed`) is in every category model's training, so it is never held out: the
    older model would know those texts."""
    try:
        assessment, texts, labels, fixed = judged(texts, labels, fixed, score_fixed=False)
    except DataError as error:
        return {"skipped": str(error)}
    new_score = assessment.metrics["macro_f1"]
    old_score = None if active is None else evaluate(active, assessment.texts, assessment.labels)["macro_f1"]
    report = {"held_out": len(assessment.texts), "method": assessment.metrics["method"],
              "new_macro_f1": new_score, "active_macro_f1": old_score, "ece": assessment.metrics["ece"],
              "left_out": assessment.metrics["left_out"]}
    if old_score is not None and new_score < old_score:
        return report | {"activated": False}
    row = registry.register(fitted(assessment, texts, labels, fixed), kind, "tickets", now)
    registry.activate(row.version, now)
    return report | {"version": row.version, "activated": True}


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
    seed = seed_corpus()
    data = {kind: confirmed_tickets(kind) for kind in registry.KINDS}
    requests.progress(row, f"训练分类模型（种子语料加 {len(data['category'][0])} 张已确认工单，留出 20% 评估）", 15)
    trained, skipped = {"category": fit(*data["category"], fixed=seed)}, {}
    texts, labels = data["department"]
    if len(texts) >= current_app.config["HOTLINE_DEPARTMENT_MODEL_MIN"]:
        requests.progress(row, f"训练部门模型（{len(texts)} 张已确认工单，留出 20% 评估）", 55)
        try:
            trained["department"] = fit(texts, labels)
        except DataError as error:
            skipped["department"] = f"部门模型未训练：{error}"
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
                       "accuracy": registered.metrics.get("accuracy"), "ece": registered.metrics.get("ece"),
                       "left_out": left_out_message(registered.metrics)})
    return {"models": models, "skipped": skipped}
