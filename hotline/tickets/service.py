"""The one door through which tickets are created and change state (SPEC §3–4)."""
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from classifier import urgency
from classifier.pipeline import compose_text
from hotline import labels
from hotline.directory.calendar import local_tz, policy_for, work_calendar
from hotline.directory.models import Category, Department
from hotline.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from hotline.extensions import begin_writing, db
from hotline.tickets import schemas, workflow
from hotline.tickets.deadlines import (
    CLOCK_KINDS,
    EDGES,
    clocks_for,
    clocks_of,
    resumed_marks,
    sweep_marks,
)
from hotline.tickets.models import (
    Assignment,
    AssistOpinion,
    ExtensionRequest,
    Revisit,
    Ticket,
    TicketEvent,
    TicketSequence,
    assignment_assists,
)
from hotline.tickets.signals import TicketChange, ticket_changed, ticket_changing
from hotline.tickets.workflow import Role, State
from hotline.timeutil import utcnow

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE for the transaction it aborted
TICKET_FIELDS = tuple(schemas.TicketCreate.model_fields)


# --- reading -------------------------------------------------------------------------

def visible_to(user):
    """A filter on Ticket: centre staff see everything, a department what it holds or held."""
    if user.is_centre_staff:
        return True
    held = exists().where(Assignment.ticket_id == Ticket.id,
                          Assignment.department_id == user.department_id)
    assisted = exists().where(
        Assignment.ticket_id == Ticket.id,
        Assignment.id == assignment_assists.c.assignment_id,
        assignment_assists.c.department_id == user.department_id,
    )
    return or_(held, assisted)


def get_ticket(number, user, for_update=False):
    query = select(Ticket).where(Ticket.number == number, visible_to(user))
    if for_update:
        query = query.with_for_update()
    ticket = db.session.scalar(query)
    if ticket is None:
        raise NotFound(f"工单 {number} 不存在")
    return ticket


def overdue_condition(now):
    """SQL: the ticket is with a department and one of its clocks ran out unmet."""
    def missed(due, met):
        # IS NOT NULL first, so that tickets without a clock compare false, never NULL.
        return due.is_not(None) & (due < now) & met.is_(None)

    return Ticket.state.in_(workflow.WITH_DEPARTMENT) & or_(
        missed(Ticket.sign_due_at, Ticket.signed_at),
        missed(Ticket.contact_due_at, Ticket.contacted_at),
        missed(Ticket.onsite_due_at, Ticket.onsite_at),
        missed(Ticket.complete_due_at, Ticket.replied_at),
    )


# Columns the list may be sorted by ("-" first: descending); the id breaks ties in the same direction.
SORTS = {"created_at": Ticket.created_at, "complete_due_at": Ticket.complete_due_at,
         "sign_due_at": Ticket.sign_due_at}
PHONE_LIKE = re.compile(r"^\+?[0-9][0-9-]{2,19}$")  # what schemas.Phone accepts


# What a listed ticket's answer reads besides its own row (its assignment's assisting departments, a pending
# extension, the ticket it was merged into), loaded for the whole page in one query each: read ticket by ticket,
# they were two or three queries a row, about 40 % of a list's time.
LISTED_LOADS = (selectinload(Ticket.assignments).selectinload(Assignment.assisting),
                selectinload(Ticket.extensions), selectinload(Ticket.duplicate_of))


def ticket_list(user, query, now):
    """A select of the tickets `user` may see that match the parsed list query, sorted by query.sort."""
    stmt = select(Ticket).where(visible_to(user), *_filters(query, now)).options(*LISTED_LOADS)
    descending = query.sort.startswith("-")
    column = SORTS[query.sort.lstrip("-")]
    if descending:
        return stmt.order_by(column.desc().nulls_last(), Ticket.id.desc())
    return stmt.order_by(column.asc().nulls_last(), Ticket.id.asc())


def _filters(query, now):
    """The WHERE conditions of a list query, one per given parameter."""
    conditions = [getattr(Ticket, name) == getattr(query, name)
                  for name in ("state", "department_id", "urgency", "type", "channel", "area",
                               "satisfaction", "caller_phone") if getattr(query, name) is not None]
    if query.q:
        # source_ref: an imported ticket is found by its original number too.
        columns = (Ticket.number, Ticket.source_ref, Ticket.subject, Ticket.content, Ticket.address)
        matches = [column.contains(query.q, autoescape=True) for column in columns]
        if PHONE_LIKE.match(query.q):
            matches.append(Ticket.caller_phone == query.q)
        conditions.append(or_(*matches))
    if query.category_id is not None:
        conditions.append(Ticket.category_id.in_(select(_category_subtree(query.category_id))))
    for column, start, end in ((Ticket.created_at, query.created_from, query.created_to),
                               (Ticket.sign_due_at, query.sign_due_from, query.sign_due_to),
                               (Ticket.complete_due_at, query.complete_due_from, query.complete_due_to)):
        if start is not None:
            conditions.append(column >= _moment(start))
        if end is not None:
            conditions.append(column < _moment(end, end=True))
    if query.overdue is not None:
        condition = overdue_condition(now)
        conditions.append(condition if query.overdue else ~condition)
    if query.lateness is not None:
        conditions.append(lateness_condition(query.lateness, now))
    if query.late is not None:
        conditions.append(late_condition(query.late, now))
    return conditions


def _category_subtree(category_id):
    """A recursive CTE of the category's id and every descendant's."""
    tree = select(Category.id).where(Category.id == category_id).cte("category_tree", recursive=True)
    return tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id))


def _running_past(edge, now):
    """SQL: one of the ticket's running clocks (still with a department, its step not done) is past
    its `edge` (warn, due or severe)."""
    def running(kind, *stoppers):
        moment = getattr(Ticket, f"{kind}_{edge}_at")
        return moment.is_not(None) & (moment <= now) & and_(*(s.is_(None) for s in stoppers))

    return Ticket.state.in_(workflow.WITH_DEPARTMENT) & Ticket.closed_at.is_(None) & or_(
        running("sign", Ticket.signed_at),
        running("contact", Ticket.contacted_at, Ticket.replied_at),
        running("onsite", Ticket.onsite_at, Ticket.replied_at),
        running("complete", Ticket.replied_at),
    )


def lateness_condition(level, now):
    """SQL: the ticket's lateness judged at `now` from its running clocks, one level per ticket:
    severely overdue past a severe threshold, overdue past a due time (and no severe one),
    warning past a warning threshold (and no due time), on time otherwise."""
    severe, due, warn = (_running_past(edge, now) for edge in ("severe", "due", "warn"))
    return {"severely_overdue": severe, "overdue": due & ~severe,
            "warning": warn & ~due, "on_time": ~warn}[level]


def late_condition(kind, now):
    """SQL: the current spell missed its sign (or complete) time limit: the step was done after
    the due time, or was not done and the due time passed while the ticket was open."""
    due = getattr(Ticket, f"{kind}_due_at")
    done = Ticket.signed_at if kind == "sign" else Ticket.replied_at
    return due.is_not(None) & or_(
        done.is_not(None) & (done > due),
        done.is_(None) & (due < func.coalesce(Ticket.closed_at, now)),
    )


def _moment(value, end=False):
    """A date means the whole local day; a datetime without offset is local time."""
    tz = local_tz()
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tz)


# --- creating ------------------------------------------------------------------------

def create_ticket(data, actor, now=None, suggest=None):
    """Validate and save a new ticket; `suggest(params, now)` may add routing suggestions.

    The urgency is detected from the text; a level given lower than that needs a reason."""
    if not actor.has_role(Role.OPERATOR):
        raise Forbidden("只有话务员可以受理工单")
    params = schemas.parse(schemas.TicketCreate, data)
    if params.category_id is not None:
        _category(params.category_id)
    now = now or utcnow()
    suggestion = suggest(params, now) if suggest is not None else None
    begin_writing()  # the suggestion only read: a reads_first intake takes the write lock from here
    decision = decide_urgency(params, suggestion)
    ticket = Ticket(
        number=_next_number(now), state=State.RECEIVED, created_at=now, updated_at=now,
        created_by_id=actor.id, **params.model_dump(exclude={"urgency", "urgency_reason"}),
        urgency=decision.chosen, detected_urgency=decision.detected, urgency_reason=decision.reason,
        # Only a category a person gave is a label to learn from; the suggestion is never copied in.
        category_confirmed=params.category_id is not None,
        # A new ticket has none of these yet: known empty, the report counters and the answer read
        # them without a query each.
        events=[], assignments=[], extensions=[], revisits=[], assist_opinions=[],
    )
    if suggestion is not None:
        _keep_suggestion(ticket, suggestion)
    db.session.add(ticket)
    _record(ticket, "create", None, actor, now, decision.note, decision.data)  # one flush writes both
    ticket_changed.send(TicketChange(ticket, "create", actor, now, None))
    return ticket


URGENCY_RANK = {level: rank for rank, level in enumerate(labels.URGENCIES)}  # normal < urgent < emergency


@dataclass(frozen=True)
class UrgencyDecision:
    detected: str
    chosen: str
    reason: str | None

    @property
    def lowered(self):
        return URGENCY_RANK[self.chosen] < URGENCY_RANK[self.detected]

    @property
    def note(self):
        """The create event's note, as the operator reads it on the timeline."""
        parts = [f"系统识别紧急程度：{labels.URGENCIES[self.detected]}"]
        if self.chosen != self.detected:
            direction = "调低" if self.lowered else "调高"
            parts.append(f"话务员{direction}为：{labels.URGENCIES[self.chosen]}")
        if self.reason:
            parts.append(f"{'调低原因' if self.lowered else '说明'}：{self.reason}")
        return "；".join(parts)

    @property
    def data(self):
        return {"detected_urgency": self.detected, "urgency": self.chosen,
                **({"urgency_reason": self.reason} if self.reason else {})}


def decide_urgency(params, suggestion=None):
    """The detected level (the suggestion's when it has one: the same text, judged once) and the
    chosen one: the given level, or the detected one when none is given. Going below the detected
    level needs a reason; a reason given otherwise is kept as the operator's explanation."""
    if suggestion is not None:
        detected = suggestion["urgency"]["level"]
    else:
        detected = urgency.detect(compose_text(params.subject, params.content, params.address)).level
    decision = UrgencyDecision(detected, params.urgency or detected, params.urgency_reason)
    if decision.lowered and not decision.reason:
        raise InvalidInput(
            f"系统识别为「{labels.URGENCIES[detected]}」，调低为「{labels.URGENCIES[decision.chosen]}」须填写调低原因",
            code="urgency_reason_required",
            details={"urgency_reason": f"低于系统识别的紧急程度（{labels.URGENCIES[detected]}）时必填"})
    return decision


def _keep_suggestion(ticket, suggestion):
    """Store what the classifier proposed beside the ticket, for review and retraining."""
    ticket.suggestions = suggestion
    if suggestion["departments"]:
        ticket.suggested_department_id = suggestion["departments"][0]["department_id"]
        ticket.suggested_probability = suggestion["departments"][0]["probability"]
    if suggestion["category"]:
        ticket.suggested_category_id = suggestion["category"]["id"]
    ticket.suggested_model_version = suggestion["model_version"]


_SEQUENCES = TicketSequence.__table__
_TAKE_NUMBER = (update(_SEQUENCES).where(_SEQUENCES.c.day == bindparam("today"))
                .values(last=_SEQUENCES.c.last + 1).returning(_SEQUENCES.c.last))


def _next_number(now):
    day = now.astimezone(local_tz()).date()
    for _ in range(3):
        # One statement takes the next number and holds today's row until the commit (PostgreSQL's
        # row lock, SQLite's write lock): reading the row FOR UPDATE, then flushing the ORM's change
        # to it, cost two statements and a unit of work on every intake.
        last = db.session.execute(_TAKE_NUMBER, {"today": day}).scalar()
        if last is not None:
            return f"{day:%Y%m%d}-{last:06d}"
        try:
            with db.session.begin_nested():
                db.session.add(TicketSequence(day=day, last=0))
        except IntegrityError:
            continue  # another request created today's counter first
    raise Conflict("工单编号生成冲突，请重试")


# --- acting --------------------------------------------------------------------------

@dataclass
class Step:
    ticket: Ticket
    actor: object
    params: object
    now: datetime

    @property
    def calendar(self):
        return work_calendar()

    def setting(self, name):
        return current_app.config[name]


def perform(number, action, actor, data, now=None):
    """Validate, lock, check rules and version, apply, and append the event."""
    if action not in workflow.RULES:
        raise NotFound(f"未知操作：{action}", code="unknown_action")
    params = schemas.parse(schemas.ACTION_INPUTS[action], data)
    ticket = get_ticket(number, actor, for_update=True)
    workflow.check(action, State(ticket.state), actor.roles)
    assisting = ticket.assisting_department_ids if action in workflow.ASSIST_ACTIONS else ()
    workflow.check_department(action, actor.department_id, ticket.department_id, assisting)
    if params.version is not None and params.version != ticket.version:
        raise Conflict(
            "工单已被他人更新，请刷新后重试",
            details={"expected": params.version, "current": ticket.version},
        )
    step = Step(ticket, actor, params, now or utcnow())
    from_state = ticket.state
    change = TicketChange(ticket, action, actor, step.now, from_state)
    ticket_changing.send(change)
    note, extra = HANDLERS[action](step)
    workflow.check_outcome(action, State(from_state), State(ticket.state))
    ticket.version += 1
    ticket.updated_at = step.now
    _record(ticket, action, from_state, actor, step.now, note, extra)
    ticket_changed.send(change)
    return ticket


def _record(ticket, action, from_state, actor, now, note, data):
    db.session.add(TicketEvent(
        ticket=ticket, action=action, from_state=from_state, to_state=ticket.state,
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "username", str(actor)),
        note=note, data=data or None, created_at=now,
    ))
    db.session.flush()


def _active(model, key, label, field):
    """An active Department or Category by id, or a 400 naming the unknown id."""
    row = db.session.get(model, key)
    if row is None or not row.active:
        raise InvalidInput(f"{label} {key} 不存在", code=f"unknown_{model.__name__.lower()}",
                           details={field: key})
    return row


def _department(department_id):
    return _active(Department, department_id, "承办单位", "department_id")


def _category(category_id):
    return _active(Category, category_id, "分类", "category_id")


def _start_clocks(step, department, kind, assisting=()):
    """Start every clock at `now` (dispatch, re-dispatch or redo) with a fresh assignment."""
    t, now = step.ticket, step.now
    clocks = spell_clocks(t, step.calendar, now)
    _set_clocks(t, clocks)
    t.state = State.DISPATCHED
    t.department_id = department.id
    t.dispatched_at = now
    t.signed_at = t.contacted_at = t.onsite_at = t.replied_at = t.reply_approved_at = None
    t.extension_days = t.revisit_attempts = 0
    t.return_due_at = step.calendar.add_working_days(now, step.setting("HOTLINE_RETURN_WINDOW_DAYS"))
    t.revisit_due_at = None
    t.assignments.append(Assignment(
        department_id=department.id, kind=kind, started_at=now, assisting=list(assisting),
        sign_due_at=clocks["sign"].due_at, complete_due_at=clocks["complete"].due_at,
    ))


def spell_clocks(ticket, calendar, start, extension_days=0):
    """Every clock of a spell that started at `start` under the ticket's policy, the completion
    limit extended by `extension_days`: dispatch, redo, approved extension and calendar recompute."""
    return clocks_for(policy_for(ticket.urgency, ticket.type), calendar, start,
                      current_app.config["HOTLINE_SEVERE_AFTER_DAYS"], extension_days)


def _set_clocks(ticket, clocks):
    """Replace the ticket's clocks; replaced ones start again for the deadline sweep."""
    _set(ticket, sweep_marks(ticket, clocks))
    for kind in CLOCK_KINDS:
        clock = clocks.get(kind)
        for edge in EDGES:
            setattr(ticket, f"{kind}_{edge}_at", getattr(clock, f"{edge}_at") if clock else None)


def _set(ticket, values):
    for name, value in values.items():
        setattr(ticket, name, value)


def _end_assignment(ticket, now, reason):
    current = ticket.current_assignment
    if current is not None and current.ended_at is None:
        current.ended_at = now
        current.end_reason = reason


def _answer(step):
    step.ticket.answer = step.params.answer
    step.ticket.state = State.ANSWERED
    step.ticket.closed_at = step.now
    return None, {}


def _dispatch(step):
    p = step.params
    department = _department(p.department_id)
    if p.department_id in p.assisting_department_ids:
        raise InvalidInput("主办单位不能同时作为协办单位", code="invalid_assisting")
    assisting = [_department(i) for i in dict.fromkeys(p.assisting_department_ids)]
    if p.category_id is not None:
        step.ticket.category_id = _category(p.category_id).id
        step.ticket.category_confirmed = True
    _start_clocks(step, department, "dispatch", assisting)
    step.ticket.final_department_id = department.id
    step.ticket.final_category_id = step.ticket.category_id
    return p.note, {"department_id": department.id,
                    "assisting_department_ids": [d.id for d in assisting]}


def _sign(step):
    step.ticket.signed_at = step.now
    step.ticket.current_assignment.signed_at = step.now
    step.ticket.state = State.ACCEPTED
    return None, {}


def _request_return(step):
    t = step.ticket
    if step.now > t.return_due_at:
        raise InvalidTransition("已超过退单申请时限（派单后 2 个工作日内）", code="return_window_passed")
    t.state_before_return = t.state
    t.state = State.RETURN_REQUESTED
    return step.params.reason, {}


def _approve_return(step):
    t = step.ticket
    _cancel_pending_extension(step)
    _end_assignment(t, step.now, "returned")
    _set_clocks(t, {})
    t.department_id = None
    t.return_due_at = t.state_before_return = None
    t.return_count += 1
    t.state = State.RECEIVED
    return step.params.note, {}


def _reject_return(step):
    step.ticket.state = step.ticket.state_before_return
    step.ticket.state_before_return = None
    return step.params.reason, {}


def _request_extension(step):
    t, p = step.ticket, step.params
    if step.now >= t.complete_due_at:
        raise InvalidTransition("已过办结时限，不能再申请延期", code="extension_too_late")
    if t.pending_extension is not None:
        raise InvalidTransition("已有待审核的延期申请", code="extension_pending")
    limit = step.setting("HOTLINE_MAX_EXTENSION_DAYS")
    if t.extension_days + p.days > limit:
        raise InvalidInput(
            f"延期累计不得超过 {limit} 个工作日（已延期 {t.extension_days} 天）",
            code="extension_limit", details={"days": p.days, "already": t.extension_days},
        )
    t.extensions.append(ExtensionRequest(
        assignment_id=t.current_assignment.id, days=p.days, reason=p.reason,
        requested_by_id=step.actor.id, requested_at=step.now,
    ))
    return p.reason, {"days": p.days}


def _decide_extension(step, status, note):
    request = step.ticket.pending_extension
    if request is None:
        raise InvalidTransition("没有待审核的延期申请", code="no_pending_extension")
    request.status = status
    request.decided_by_id = step.actor.id
    request.decided_at = step.now
    request.decision_note = note
    return request


def _approve_extension(step):
    t = step.ticket
    request = _decide_extension(step, "approved", step.params.note)
    t.extension_days += request.days
    assignment = t.current_assignment
    clock = spell_clocks(t, step.calendar, assignment.started_at, t.extension_days)["complete"]
    _set_clocks(t, {**clocks_of(t), "complete": clock})
    assignment.complete_due_at = clock.due_at
    return step.params.note, {"days": request.days, "complete_due_at": clock.due_at.isoformat()}


def _reject_extension(step):
    request = _decide_extension(step, "rejected", step.params.reason)
    return step.params.reason, {"days": request.days}


def _cancel_pending_extension(step):
    if step.ticket.pending_extension is not None:
        _decide_extension(step, "cancelled", None)


def _record_moment(attribute):
    def handler(step):
        if getattr(step.ticket, attribute) is not None:
            raise InvalidTransition("已记录过该环节", code="already_recorded")
        setattr(step.ticket, attribute, step.now)
        return step.params.note, {}
    return handler


def _reply(step):
    t, p = step.ticket, step.params
    _cancel_pending_extension(step)
    t.result, t.outcome = p.result, p.outcome
    t.replied_at = t.current_assignment.replied_at = step.now
    t.state = State.REPLIED
    return p.result, {"outcome": p.outcome}


def _approve_reply(step):
    t = step.ticket
    t.reply_approved_at = step.now
    t.revisit_due_at = step.calendar.add_working_days(step.now, step.setting("HOTLINE_REVISIT_DAYS"))
    t.state = State.PENDING_REVISIT
    return step.params.note, {}


def _reject_reply(step):
    t = step.ticket
    # The reply does not count; the original due time stands, and the clocks it stopped run on.
    t.replied_at = t.current_assignment.replied_at = None
    _set(t, resumed_marks(t))
    t.state = State.ACCEPTED
    return step.params.reason, {}


def _revisit(step):
    t, p = step.ticket, step.params
    if p.satisfaction != "unreachable" and p.resolved is None:
        raise InvalidInput("请填写问题是否解决（resolved）", details={"resolved": "required"})
    if p.satisfaction == "unreachable":
        t.revisit_attempts += 1
        outcome = "closed" if t.revisit_attempts >= step.setting("HOTLINE_UNREACHABLE_ATTEMPTS") else "retry"
    elif p.satisfaction == "unsatisfied" and not p.close_reason:
        outcome = "redo"
    else:
        outcome = "closed"
    t.revisits.append(Revisit(
        satisfaction=p.satisfaction, resolved=p.resolved, note=p.note, outcome=outcome,
        revisitor_id=step.actor.id, created_at=step.now,
    ))
    if outcome == "retry":
        return p.note, {"satisfaction": p.satisfaction, "outcome": outcome,
                        "attempt": t.revisit_attempts}
    t.satisfaction, t.resolved = p.satisfaction, p.resolved
    _end_assignment(t, step.now, "revisited")
    if outcome == "redo":
        t.reopen_count += 1
        department = t.department
        _start_clocks(step, department, "redo", t.current_assignment.assisting)
    else:
        t.closed_at = step.now
        t.state = State.CLOSED
    return p.close_reason or p.note, {"satisfaction": p.satisfaction, "resolved": p.resolved,
                                      "outcome": outcome}


def _merge(step):
    t = step.ticket
    target = _lock_other(step.params.target_number)
    if target is None:
        raise InvalidInput(f"目标工单 {step.params.target_number} 不存在", code="unknown_ticket")
    if target.id == t.id or target.state in workflow.TERMINAL_STATES:
        raise InvalidTransition("只能并入另一张未办结的工单", code="invalid_merge_target")
    _cancel_pending_extension(step)
    _end_assignment(t, step.now, "merged")
    t.duplicate_of_id = target.id
    t.closed_at = step.now
    t.state = State.MERGED
    # The target's history shows the call merged into it; its state and version stay as they are.
    _record(target, MERGED_IN, target.state, step.actor, step.now, f"来电 {t.number} 并入本工单",
            {"source_number": t.number})
    return None, {"target_number": target.number}


# The event a merge appends to its target: not a workflow action, so it changes no state.
MERGED_IN = "merged_in"


def _lock_other(number):
    """Lock a second ticket. Two crossed merges lock in opposite orders: PostgreSQL then
    aborts one of them as a deadlock, which loses with 409 while the other goes through."""
    try:
        return db.session.scalar(select(Ticket).where(Ticket.number == number).with_for_update())
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == DEADLOCK_DETECTED:
            raise Conflict("目标工单正被他人处理，请稍后重试") from None
        raise


def _invalidate(step):
    step.ticket.invalid_reason = step.params.reason
    step.ticket.closed_at = step.now
    step.ticket.state = State.INVALID
    return step.params.reason, {}


def _note_only(step):
    return step.params.note, {}


def _assist_reply(step):
    t, department = step.ticket, step.actor.department
    t.assist_opinions.append(AssistOpinion(
        assignment_id=t.current_assignment.id, department_id=department.id, author_id=step.actor.id,
        opinion=step.params.opinion, created_at=step.now,
    ))
    return step.params.opinion, {"department_id": department.id, "department_name": department.name}


HANDLERS = {
    "answer": _answer,
    "dispatch": _dispatch,
    "sign": _sign,
    "request_return": _request_return,
    "approve_return": _approve_return,
    "reject_return": _reject_return,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "record_contact": _record_moment("contacted_at"),
    "record_onsite": _record_moment("onsite_at"),
    "reply": _reply,
    "approve_reply": _approve_reply,
    "reject_reply": _reject_reply,
    "revisit": _revisit,
    "merge": _merge,
    "invalidate": _invalidate,
    "urge": _note_only,
    "supervise": _note_only,
    "assist_reply": _assist_reply,
}
