"""Service requests: tickets as GeoReport v2 shows them, the listing's filters, and filing one.

What Open311 never shows: 举报 (report) tickets, and every caller field. Caller phone numbers are not even
left in the text: a number written into the description or a note is masked as everywhere else."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from classifier.urgency import TRANSFER_LINES
from hotline.directory.calendar import local_tz
from hotline.directory.models import Category, Department
from hotline.errors import InvalidInput, NotFound
from hotline.extensions import db
from hotline.open311 import services
from hotline.open311.models import Open311Location
from hotline.routing.suggest import suggest_for_intake
from hotline.tickets import service as tickets
from hotline.tickets.models import Ticket
from hotline.tickets.serialize import mask_phone
from hotline.tickets.workflow import OPEN_STATES, Role, State
from hotline.timeutil import utcnow

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000  # the specification's default limit: 90 days or the first 1,000 requests
MAX_IDS = 100
# Runs of digits that may be a phone number (7 or more, with dashes or spaces between).
PHONE_RUN = re.compile(r"(?<![0-9])\+?[0-9](?:[ -]?[0-9]){6,}(?![0-9])")


@dataclass(frozen=True)
class Reader:
    """Who reads: a key (None when reading is public and none was given), and whether they see every request
    or only those the key filed."""
    key: object
    everything: bool


def _scrub(value):
    return PHONE_RUN.sub(lambda m: mask_phone(re.sub(r"[ -]", "", m.group())), value) if value else value


def _iso(moment):
    return moment.astimezone(local_tz()).isoformat(timespec="seconds") if moment else None


def visible(reader):
    conditions = [Ticket.type != "report"]
    if not reader.everything:
        conditions.append(Ticket.open311_key_id == reader.key.id)
    return conditions


def _status(ticket):
    return "open" if State(ticket.state) in OPEN_STATES else "closed"


def _notes(ticket, numbers):
    """Why the request is where it is, in words the citizen may read: the approved reply, the direct answer,
    or what became of a merged or invalid request."""
    if ticket.reply_approved_at is not None and ticket.result:
        return ticket.result
    if ticket.state == State.ANSWERED:
        return ticket.answer
    if ticket.state == State.MERGED:
        target = numbers.get(ticket.duplicate_of_id)
        return f"与同一事项的诉求 {target} 合并办理" if target else "已与同一事项的诉求合并办理"
    if ticket.state == State.INVALID:
        return "经核实为无效诉求，已结束"
    return None


def request_dict(ticket, location, numbers):
    closed = _status(ticket) == "closed"
    category = ticket.category
    return {
        "service_request_id": ticket.number,
        "status": _status(ticket),
        "status_notes": _scrub(_notes(ticket, numbers)),
        "service_name": category.name if category else None,
        "service_code": services.service_code(category) if category else None,
        "description": _scrub(ticket.content),
        "agency_responsible": ticket.department.name if ticket.department else None,
        "service_notice": None,
        "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso((ticket.closed_at if closed else None) or ticket.updated_at),
        "expected_datetime": _iso(ticket.complete_due_at),
        "address": _scrub(ticket.address),
        "address_id": None,
        "zipcode": None,
        "lat": location.lat if location else None,
        "long": location.long if location else None,
        "media_url": location.media_url if location else None,
    }


def as_requests(rows):
    """The rows as GeoReport requests, reading their locations and merge targets in one query each."""
    ids = [t.id for t in rows]
    locations = {loc.ticket_id: loc for loc in db.session.scalars(
        select(Open311Location).where(Open311Location.ticket_id.in_(ids)))} if ids else {}
    targets = {t.duplicate_of_id for t in rows if t.duplicate_of_id}
    numbers = dict(db.session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(targets)))
                   .tuples().all()) if targets else {}
    return [request_dict(t, locations.get(t.id), numbers) for t in rows]


def _loaded():
    return select(Ticket).options(selectinload(Ticket.category).selectinload(Category.parent),
                                  selectinload(Ticket.department))


def one(number, reader):
    ticket = db.session.scalar(_loaded().where(Ticket.number == number, *visible(reader)))
    if ticket is None:
        raise NotFound(f"service_request_id {number} 不存在", code="unknown_service_request_id")
    return ticket


# --- the listing ---------------------------------------------------------------------------

def _list(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _moment(name, value):
    """A W3C datetime (with Z or an offset; without one it is local time), or a date meaning its local
    midnight."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{name} 不是合法的日期时间（例：2026-12-01T00:00:00+08:00）",
                           details={name: value}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_tz())


def _int(args, name, default, low, high):
    value = args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidInput(f"{name} 应为 {low}–{high} 的整数", details={name: value})
    return int(value)


def _categories(codes):
    """The ids of the categories named by service codes (any category: operators may file under any level)."""
    ids = []
    for code in codes:
        condition = Category.id == int(code) if code.isdigit() and int(code) < 2**31 else Category.code == code
        found = db.session.scalar(select(Category.id).where(condition))
        if found is None:
            raise InvalidInput(f"service_code {code} 不存在", code="unknown_service_code",
                               details={"service_code": code})
        ids.append(found)
    return ids


def listing(args, reader, now=None):
    """The requests matching the GeoReport query (plus the page/page_size extension), newest first."""
    now = now or utcnow()
    page = _int(args, "page", 1, 1, 100_000)
    size = _int(args, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    stmt = _loaded().where(*visible(reader))
    ids = _list(args.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise InvalidInput(f"service_request_id 一次最多 {MAX_IDS} 个", details={"service_request_id": len(ids)})
        # The specification: a list of ids overrides every other argument.
        stmt = stmt.where(Ticket.number.in_(ids))
    else:
        stmt = stmt.where(*_filters(args, now))
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(size).offset((page - 1) * size)
    return db.session.scalars(stmt).all()


def _filters(args, now):
    conditions = []
    codes = _list(args.get("service_code"))
    if codes:
        conditions.append(Ticket.category_id.in_(_categories(codes)))
    statuses = _list(args.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise InvalidInput("status 只能是 open 或 closed（可用逗号分隔）", details={"status": args.get("status")})
    if len(set(statuses)) == 1:
        open_states = sorted(OPEN_STATES)
        conditions.append(Ticket.state.in_(open_states) if statuses[0] == "open" else Ticket.state.not_in(open_states))
    start, end = (args.get(n, "").strip() for n in ("start_date", "end_date"))
    start = _moment("start_date", start) if start else None
    end = _moment("end_date", end) if end else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise InvalidInput("end_date 早于 start_date", details={"start_date": args.get("start_date"),
                                                             "end_date": args.get("end_date")})
    if end - start > MAX_SPAN:
        raise InvalidInput("start_date 与 end_date 相距不得超过 90 天", details={"start_date": args.get("start_date"),
                                                                       "end_date": args.get("end_date")})
    conditions += [Ticket.created_at >= start, Ticket.created_at <= end]
    return conditions


# --- filing --------------------------------------------------------------------------------

class KeyActor:
    """The operator-like actor a key files tickets as: named after the key on the ticket's timeline."""

    id = None
    department_id = None
    is_centre_staff = True
    roles = frozenset({Role.OPERATOR})

    def __init__(self, key):
        self.username = f"open311:{key.name}"[:50]

    def has_role(self, *roles):
        return bool(self.roles & set(roles))


FIELD_NAMES = {"content": "description", "caller_phone": "phone", "caller_name": "first_name/last_name",
               "address": "address_string", "type": f"attribute[{services.TYPE_ATTRIBUTE}]"}


def _coordinate(form, name, limit):
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not -limit <= number <= limit:
        raise InvalidInput(f"{name} 应为 -{limit} 到 {limit} 之间的 WGS84 坐标", details={name: value})
    return number


def _area(address):
    """The district (区县) the address names, when it names one the directory knows."""
    if not address:
        return None
    areas = db.session.scalars(select(Department.area).where(Department.area.is_not(None)).distinct())
    return next((a for a in sorted(areas, key=len, reverse=True) if a in address), None)


def _media_url(form):
    value = form.get("media_url", "").strip()
    if not value:
        return None
    if len(value) > 500 or not re.match(r"^https?://[^\s]+$", value):
        raise InvalidInput("media_url 应为 http(s) 地址，至多 500 个字符", details={"media_url": value[:100]})
    return value


def file(form, key, now=None):
    """Create the ticket a POST requests carries, through the same service as POST /api/v1/tickets."""
    code = form.get("service_code", "").strip()
    if not code:
        raise InvalidInput("缺少 service_code", code="missing_service_code", details={"service_code": "必填"})
    category = services.find(code)
    lat, long = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    address = form.get("address_string", "").strip() or None
    if (lat is None) != (long is None):
        raise InvalidInput("lat 与 long 须同时提供", details={"lat": form.get("lat"), "long": form.get("long")})
    if lat is None and address is None:
        detail = "本系统不使用 address_id，请提供 address_string" if form.get("address_id", "").strip() else "必填"
        raise InvalidInput("须提供位置：lat 与 long，或 address_string", code="missing_location",
                           details={"address_string": detail})
    kind = form.get(f"attribute[{services.TYPE_ATTRIBUTE}]", "").strip() or services.DEFAULT_TYPE
    if kind not in services.OPEN311_TYPES:
        raise InvalidInput(f"attribute[{services.TYPE_ATTRIBUTE}] 只能是 {'、'.join(services.OPEN311_TYPES)}",
                           details={f"attribute[{services.TYPE_ATTRIBUTE}]": kind})
    name = "".join(form.get(n, "").strip() for n in ("last_name", "first_name")) or None  # 姓 then 名
    phone = re.sub(r"[\s()]", "", form.get("phone", "")) or None
    media_url = _media_url(form)
    data = {"channel": "app", "type": kind, "content": form.get("description", ""), "category_id": category.id,
            "address": address or f"经纬度 {lat},{long}", "area": _area(address)}
    data.update({k: v for k, v in (("caller_name", name), ("caller_phone", phone)) if v is not None})
    data = {k: v for k, v in data.items() if v is not None}
    try:
        ticket = tickets.create_ticket(data, KeyActor(key), now=now, suggest=suggest_for_intake)
    except InvalidInput as exc:
        raise InvalidInput(_open311_message(exc), code=exc.code, details=exc.details) from None
    ticket.open311_key_id = key.id
    if lat is not None or media_url:
        db.session.add(Open311Location(ticket_id=ticket.id, lat=lat, long=long, media_url=media_url))
    db.session.flush()
    return ticket


def _open311_message(exc):
    """The service's refusal, naming the Open311 parameters instead of the ticket's fields."""
    if not exc.details:
        return exc.message
    return "；".join(f"{FIELD_NAMES.get(k, k)}：{v}" for k, v in exc.details.items())


def notice(ticket):
    """What the citizen is told at once: the number, and where a danger was recognised, the line to call."""
    parts = [f"已受理，工单编号 {ticket.number}，办理进展可凭此编号查询"]
    hint = ((ticket.suggestions or {}).get("urgency") or {}).get("transfer_hint")
    if ticket.urgency == "emergency":
        line = TRANSFER_LINES.get(hint)
        parts.append(f"情况紧急，请立即拨打{line}" if line else "情况紧急，请立即拨打 110/119/120")
    return "；".join(parts)
