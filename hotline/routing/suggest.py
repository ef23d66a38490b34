"""Intake suggestions (SPEC §6, §8): departments, category, urgency and similar tickets."""
from collections import defaultdict

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from classifier import urgency
from classifier.pipeline import compose_text
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.knowledge import search as knowledge
from hotline.routing import registry
from hotline.routing.catalogue import routes
from hotline.routing.similar import find_similar

TOP_CATEGORIES = 5


def suggest(subject, content, address, area, phone, now, exclude_id=None):
    text = compose_text(subject, content, address)
    models = registry.active_models()
    category_version, category_model = models.get("category", (None, None))
    result = {"departments": [], "category": None, "stage": "catalogue", "manual": True,
              "model_version": category_version}
    if category_model is not None:
        ranked = category_model.predict_top([text], k=TOP_CATEGORIES)[0]
        result.update(_route(text, ranked, area, models.get("department", (None, None))[1]))
    result["urgency"] = _urgency(text)
    result["similar"] = find_similar(compose_text(subject, content), phone, now, exclude_id)
    result["knowledge"] = knowledge.search(text)
    return result


def _route(text, ranked, area, department_model=None):
    """Category probabilities → departments via the catalogue, blended with the department model."""
    # The category's path is shown with it: its ancestors come in the same query.
    categories = {c.code: c for c in db.session.scalars(
        select(Category).options(joinedload(Category.parent).joinedload(Category.parent))
        .where(Category.code.in_([code for code, _ in ranked])))}
    entries = routes(list(categories.values()), area)
    catalogue = defaultdict(float)
    for code, probability in ranked:
        entry = entries[categories[code].id] if code in categories else None
        if entry is not None:
            catalogue[entry.lead_department_id] += probability
    blended, stage = _blend(text, catalogue, department_model)
    top = sorted(blended.items(), key=lambda item: -item[1])[:3]
    departments = {e.lead.id: e.lead for e in entries.values() if e is not None}
    missing = [i for i, _ in top if i not in departments]
    if missing:  # suggested by the department model alone
        departments.update((d.id, d) for d in db.session.scalars(select(Department).where(Department.id.in_(missing))))
    best_code, best_probability = ranked[0]
    best = categories.get(best_code)
    threshold = current_app.config["HOTLINE_SUGGESTION_MIN_CONFIDENCE"]
    return {
        "departments": [{"department_id": i, "code": departments[i].code, "name": departments[i].name,
                         "probability": round(p, 4)} for i, p in top],
        "category": best and {"id": best.id, "code": best.code, "name": best.name,
                              "path": best.path, "probability": round(best_probability, 4)},
        "stage": stage,
        "manual": not top or top[0][1] < threshold,
    }


def _blend(text, catalogue, model):
    """Once a department model trained on confirmed dispatches is active, it has its say."""
    if model is None:
        return dict(catalogue), "catalogue"
    ranked = model.predict_top([text], k=TOP_CATEGORIES)[0]
    ids = dict(db.session.execute(
        select(Department.code, Department.id).where(Department.code.in_([c for c, _ in ranked]))
    ).all())
    learned = {ids[code]: p for code, p in ranked if code in ids}
    weight = current_app.config["HOTLINE_DEPARTMENT_MODEL_WEIGHT"]
    blended = {d: (1 - weight) * catalogue.get(d, 0.0) + weight * learned.get(d, 0.0)
               for d in set(catalogue) | set(learned)}
    decided_by_model = not catalogue or max(blended, key=blended.get) != max(catalogue, key=catalogue.get)
    return blended, "model" if decided_by_model else "catalogue"


def _urgency(text):
    flag = urgency.detect(text)
    return {"level": flag.level, "phrases": list(flag.phrases), "transfer_hint": flag.transfer_hint}
