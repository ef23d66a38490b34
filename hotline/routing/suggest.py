"""Intake suggestions (SPEC §6, §8): departments, category, urgency and similar tickets."""
from collections import defaultdict

from flask import current_app

from classifier import urgency
from classifier.pipeline import compose_text
from hotline.knowledge import search as knowledge
from hotline.routing import registry
from hotline.routing.similar import find_similar, repeat_group
from hotline.routing.snapshot import routing_snapshot

TOP_CATEGORIES = 5


def suggest(subject, content, address, area, phone, now, exclude_id=None):
    text = compose_text(subject, content, address)
    models = registry.active_models()
    category_version, category_model = models.get("category", (None, None))
    result = {"departments": [], "assisting_departments": [], "category": None, "stage": "catalogue",
              "manual": True, "model_version": category_version}
    if category_model is not None:
        ranked = category_model.predict_top([text], k=TOP_CATEGORIES)[0]
        result.update(_route(text, ranked, area, models.get("department", (None, None))[1]))
    result["urgency"] = _urgency(text)
    # The text search reads what the caller said without the address (neighbours share an address,
    # not a problem); the repeat search weighs the address as place evidence beside the problem.
    said = compose_text(subject, content)
    groups = {}
    result["similar"] = find_similar(said, phone, now, exclude_id, address=address, groups=groups)
    result["repeat_of"] = repeat_group(result["similar"], groups)
    result["knowledge"] = knowledge.search(said)
    return result


def suggest_for_intake(params, now):
    """The suggester create_ticket is given: parsed intake input → suggestion."""
    return suggest(params.subject, params.content, params.address, params.area,
                   params.caller_phone, now)


def _route(text, ranked, area, department_model=None):
    """Category probabilities → departments via the catalogue, blended with the department model."""
    snapshot = routing_snapshot()
    catalogue = defaultdict(float)
    for code, probability in ranked:
        category = snapshot.categories.get(code)
        lead = category and snapshot.lead_for(category["id"], area)
        if lead is not None:
            catalogue[lead] += probability
    blended, stage = _blend(text, catalogue, department_model, snapshot)
    top = sorted(blended.items(), key=lambda item: -item[1])[:3]
    best_code, best_probability = ranked[0]
    best = snapshot.categories.get(best_code)
    threshold = current_app.config["HOTLINE_SUGGESTION_MIN_CONFIDENCE"]
    # The catalogue's assisting departments (协办) of the best category here, to pre-fill dispatch.
    assisting = snapshot.entry_for(best["id"], area)[1] if best else ()
    chosen = top[0][0] if top else None
    return {
        "departments": [{"department_id": i, "code": snapshot.departments[i]["code"],
                         "name": snapshot.departments[i]["name"], "probability": round(p, 4)} for i, p in top],
        "assisting_departments": [{"department_id": i, "code": snapshot.departments[i]["code"],
                                   "name": snapshot.departments[i]["name"]} for i in assisting if i != chosen],
        "category": best and best | {"probability": round(best_probability, 4)},
        "stage": stage,
        "manual": not top or top[0][1] < threshold,
    }


def _blend(text, catalogue, model, snapshot):
    """Once a department model trained on confirmed dispatches is active, it has its say."""
    if model is None:
        return dict(catalogue), "catalogue"
    ranked = model.predict_top([text], k=TOP_CATEGORIES)[0]
    learned = {snapshot.department_ids[code]: p for code, p in ranked if code in snapshot.department_ids}
    weight = current_app.config["HOTLINE_DEPARTMENT_MODEL_WEIGHT"]
    blended = {d: (1 - weight) * catalogue.get(d, 0.0) + weight * learned.get(d, 0.0)
               for d in set(catalogue) | set(learned)}
    decided_by_model = not catalogue or max(blended, key=blended.get) != max(catalogue, key=catalogue.get)
    return blended, "model" if decided_by_model else "catalogue"


def _urgency(text):
    flag = urgency.detect(text)
    return {"level": flag.level, "phrases": list(flag.phrases), "transfer_hint": flag.transfer_hint}
