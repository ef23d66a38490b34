"""The caller's full phone and ID number, shown only on an explicit request (显示号码) by centre
staff, and each such request recorded in the audit trail: who, which ticket, when (issue 13).
Everywhere else (lists, details, exports, the API) the numbers are masked for everyone."""
from hotline.audit.service import record
from hotline.errors import Forbidden, NotFound
from hotline.tickets import service
from hotline.timeutil import utcnow

FIELDS = ("caller_phone", "caller_id_number")


def reveal(number, user, now=None):
    """{"caller_name", "caller_phone", "caller_id_number"} of the ticket, recorded as seen by `user`."""
    if not user.is_centre_staff:
        raise Forbidden("承办单位不能查看来电人完整号码")
    ticket = service.get_ticket(number, user)
    if ticket.personal_data_purged_at is not None:
        raise NotFound("该工单的来电人信息已按保留期限删除", code="personal_data_purged")
    shown = [name for name in FIELDS if getattr(ticket, name)]
    record(user, "ticket", ticket.number, "reveal", after={"fields": shown}, now=now or utcnow())
    return {"caller_name": ticket.caller_name, "caller_phone": ticket.caller_phone,
            "caller_id_number": ticket.caller_id_number}
