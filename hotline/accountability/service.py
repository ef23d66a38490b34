"""Reading and deciding accountability records: departments explain, supervisors decide."""
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.calendar import local_tz
from hotline.errors import Forbidden, InvalidTransition, NotFound
from hotline.extensions import db
from hotline.labels import DEADLINE_KINDS, RECORD_STATUSES
from hotline.tickets import schemas
from hotline.tickets.workflow import Role


class RecordQuery(BaseModel):
    """Filters for GET /accountability; the period is of due times, in whole local days."""

    model_config = ConfigDict(extra="forbid")
    department_id: schemas.Id | None = None
    status: Literal[tuple(RECORD_STATUSES)] | None = None
    kind: Literal[tuple(DEADLINE_KINDS)] | None = None
    period_from: date | None = Field(None, description="时限起始日（含）")
    period_to: date | None = Field(None, description="时限截止日（含）")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class Explain(schemas.Input):
    explanation: schemas._text(2, 2000)


class Decision(schemas.Input):
    note: schemas._text(2, 2000)


# decision -> (status it needs, status it sets)
DECISIONS = {
    "accept": ({"explained"}, "accepted"),
    "confirm": ({"open", "explained"}, "confirmed"),
}


def visible_to(user):
    """A filter: centre staff see every record, a department only its own."""
    if user.is_centre_staff:
        return True
    return AccountabilityRecord.department_id == user.department_id


def records(user, query):
    stmt = select(AccountabilityRecord).where(visible_to(user)).options(
        selectinload(AccountabilityRecord.ticket), selectinload(AccountabilityRecord.department))
    for name in ("department_id", "status", "kind"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(AccountabilityRecord, name) == value)
    tz = local_tz()
    if query.period_from is not None:
        stmt = stmt.where(AccountabilityRecord.due_at >= datetime.combine(query.period_from, time(), tz))
    if query.period_to is not None:
        stmt = stmt.where(AccountabilityRecord.due_at < datetime.combine(
            query.period_to + timedelta(days=1), time(), tz))
    return stmt.order_by(AccountabilityRecord.id.desc())


def _locked(record_id, user):
    # An id beyond the integer column cannot exist, and the drivers would overflow on it.
    record = record_id <= schemas.MAX_ID and db.session.scalar(select(AccountabilityRecord).where(
        AccountabilityRecord.id == record_id, visible_to(user)).with_for_update())
    if not record:
        raise NotFound(f"追责记录 {record_id} 不存在")
    return record


def explain(record_id, user, data, now):
    """The department that missed the deadline explains why (情况说明)."""
    if not user.has_role(Role.DEPARTMENT):
        raise Forbidden("只有承办单位可以提交情况说明")
    params = schemas.parse(Explain, data)
    record = _locked(record_id, user)
    if record.department_id != user.department_id:
        raise Forbidden("只能说明本单位的追责记录")
    _require_status(record, {"open"}, "explain")
    record.explanation, record.explained_by_id, record.explained_at = params.explanation, user.id, now
    record.status = "explained"
    db.session.flush()
    return record


def decide(record_id, decision, user, data, now):
    """A supervisor accepts the explanation or confirms the department's fault."""
    if not user.has_role(Role.SUPERVISOR):
        raise Forbidden("只有督办领导可以认定追责")
    params = schemas.parse(Decision, data)
    record = _locked(record_id, user)
    needed, status = DECISIONS[decision]
    _require_status(record, needed, decision)
    record.decision_note, record.decided_by_id, record.decided_at = params.note, user.id, now
    record.status = status
    db.session.flush()
    return record


def _require_status(record, allowed, action):
    if record.status not in allowed:
        raise InvalidTransition(
            f"追责记录处于“{RECORD_STATUSES[record.status]}”状态，不能执行该操作",
            details={"status": record.status, "action": action},
        )
