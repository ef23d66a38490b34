"""Tickets as the API shows them, with personal data masked for department users (SPEC §1)."""
from hotline.tickets.deadlines import CLOCK_KINDS, EDGES, lateness


def mask_phone(phone):
    if not phone:
        return phone
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if len(phone) >= 11 else 2
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def mask_id_number(number):
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if number else number


def _iso(moment):
    return moment.isoformat() if moment else None


def event_dict(event):
    return {
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor_name,
        "note": event.note,
        "data": event.data or {},
        "created_at": _iso(event.created_at),
    }


def ticket_dict(ticket, viewer, now, with_events=False):
    masked = not viewer.is_centre_staff
    data = {
        "number": ticket.number,
        "channel": ticket.channel,
        "caller_name": ticket.caller_name,
        # Masked for everyone: the full numbers only through POST /tickets/<number>/contact (audited).
        "caller_phone": mask_phone(ticket.caller_phone),
        "caller_id_number": mask_id_number(ticket.caller_id_number),
        "is_enterprise": ticket.is_enterprise,
        "subject": ticket.subject,
        "content": ticket.content,
        "address": ticket.address,
        "area": ticket.area,
        "type": ticket.type,
        "urgency": ticket.urgency,
        "detected_urgency": ticket.detected_urgency,
        "urgency_reason": ticket.urgency_reason,
        "category_id": ticket.category_id,
        "category_confirmed": ticket.category_confirmed,
        "department_id": ticket.department_id,
        "assisting_department_ids": ticket.assisting_department_ids,
        "state": ticket.state,
        "version": ticket.version,
        "reopen_count": ticket.reopen_count,
        "return_count": ticket.return_count,
        "duplicate_of": ticket.duplicate_of.number if ticket.duplicate_of else None,
        "answer": ticket.answer,
        "result": ticket.result,
        "outcome": ticket.outcome,
        "satisfaction": ticket.satisfaction,
        "resolved": ticket.resolved,
        "revisit_attempts": ticket.revisit_attempts,
        "extension_days": ticket.extension_days,
        "pending_extension_days": ticket.pending_extension.days if ticket.pending_extension else None,
        "lateness": lateness(ticket, now),
        "source_ref": ticket.source_ref,
    }
    for name in ("created_at", "updated_at", "dispatched_at", "signed_at", "contacted_at",
                 "onsite_at", "replied_at", "reply_approved_at", "closed_at", "return_due_at",
                 "revisit_due_at", "imported_at"):
        data[name] = _iso(getattr(ticket, name))
    for kind in CLOCK_KINDS:
        for edge in EDGES:
            data[f"{kind}_{edge}_at"] = _iso(getattr(ticket, f"{kind}_{edge}_at"))
    if ticket.suggestions is not None:
        # Similar and same-phone tickets name other callers' tickets: for the centre only.
        data["suggestions"] = ticket.suggestions if not masked else \
            ticket.suggestions | {"similar": [], "repeat_of": None}
    if with_events:
        data["events"] = [event_dict(e) for e in ticket.events]
        data["assist_opinions"] = [opinion_dict(o) for o in ticket.assist_opinions]
    return data


def opinion_dict(opinion):
    return {"department_id": opinion.department_id, "department_name": opinion.department.name,
            "opinion": opinion.opinion, "created_at": _iso(opinion.created_at)}
