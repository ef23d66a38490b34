"""Intake suggestions (SPEC §6, §8): departments, category, urgency and similar tickets."""
from collections import defaultdict

from flask import current_app
from sqlalchemy import select

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
    category_row, category_model = registry.active_model("category")
    result = {"departments": [], "category": None, "stage": "catalogue", "manual": True,
              "model_version": category_row.version if category_row else None}
    if category_model is not None:
        ranked = category_model.predict_top([text], k=TOP_CATEGORIES)[0]
        result.update(_route(text, ranked, area))
    result["urgency"] = _urgency(text)
    result["similar"] = find_similar(compose_text(subject, content), phone, now, exclude_id)
    result["knowledge"] = knowledge.search(text)
    return result


def _route(text, ranked, area):
    """Category probabilities → departments via the catalogue, blended with the department model."""
    categories = {c.code: c for c in db.session.scalars(
        select(Category).where(Category.code.in_([code for code, _ in ranked])))}
    entries = routes(list(categories.values()), area)
    catalogue = defaultdict(float)
    for code, probability in ranked:
        entry = entries[categories[code].id] if code in categories else None
        if entry is not None:
            catalogue[entry.lead_department_id] += probability
    blended, stage = _blend(text, catalogue)
    top = sorted(blended.items(), key=lambda item: -item[1])[:3]
    departments = {d.id: d for d in db.session.scalars(
        select(Department).where(Department.id.in_([i for i, _ in top])))}
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


def _blend(text, catalogue):
    """Once a department model trained on confirmed dispatches is active, it has its say."""
    _, model = registry.active_model("department")
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
