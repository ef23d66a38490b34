"""Open311 services are the category taxonomy's leaves (Chinese names): service_code is the category's code,
or its id where it has none, and the group is the parent category's name."""
from sqlalchemy import func, select

from hotline import labels
from hotline.audit.models import AuditEntry
from hotline.directory.models import Category
from hotline.errors import NotFound
from hotline.extensions import db
from hotline.web import local_time

# Every service has one attribute: the type of the request. 举报 is not offered: reports protect the reporter
# and are never shown through Open311, so they are filed by phone or on the centre's own channels.
TYPE_ATTRIBUTE = "type"
DEFAULT_TYPE = "complaint"
OPEN311_TYPES = tuple(t for t in labels.TICKET_TYPES if t != "report")
# The changeset when no category was changed since the demo city was seeded.
FIRST_CHANGESET = "2026-12-02 00:00"


def service_code(category):
    return category.code or str(category.id)


def _active():
    return db.session.scalars(select(Category).where(Category.active).order_by(Category.id)).all()


def service_list():
    """Active categories without active sub-categories, in the order of the tree."""
    rows = _active()
    parents = {c.parent_id for c in rows}
    return [c for c in rows if c.id not in parents]


def service_dict(category):
    names = category.path.split(" / ")
    return {"service_code": service_code(category), "service_name": category.name,
            "description": category.path, "metadata": True, "type": "realtime",
            "keywords": ", ".join(dict.fromkeys(names)),
            "group": category.parent.name if category.parent else None}


def find(code):
    """The service (an active leaf category) with this service_code, or 404."""
    code = (code or "").strip()
    for category in service_list():
        if service_code(category) == code:
            return category
    raise NotFound(f"service_code {code} 不存在", code="unknown_service_code")


def definition(category):
    return {"service_code": service_code(category), "attributes": [{
        "variable": True, "code": TYPE_ATTRIBUTE, "datatype": "singlevaluelist", "required": False,
        "datatype_description": "从列表中选择一项；不选则按「投诉」受理", "order": 1,
        "description": "诉求类型（举报类诉求请拨打 12345 热线）",
        "values": [{"key": t, "name": labels.TICKET_TYPES[t]} for t in OPEN311_TYPES],
    }]}


def changeset():
    """When the service list last changed: the last category change in the audit trail."""
    last = db.session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.entity == "category"))
    return local_time(last) if last else FIRST_CHANGESET
