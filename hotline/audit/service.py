"""Writing and reading the audit trail; every admin service records its changes here."""
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.extensions import db
from hotline.timeutil import utcnow


def record(actor, entity, entity_id, action, before=None, after=None, now=None):
    """Append one entry: who (a User, or None for the system), what, and before → after."""
    entry = AuditEntry(at=now or utcnow(), actor_id=getattr(actor, "id", None),
                       actor_name=getattr(actor, "username", None) or "system", entity=entity,
                       entity_id=str(entity_id), action=action, before=before, after=after)
    db.session.add(entry)
    db.session.flush()
    return entry


def entries(query, since=None, until=None):
    """A select of the entries matching the parsed filters and [since, until), newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    for name in ("entity", "entity_id", "action", "actor_id"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(AuditEntry, name) == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt
