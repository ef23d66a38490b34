"""Pydantic models describing API responses and query strings (used for the OpenAPI document)."""
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hotline.labels import CHANNELS, LATENESS, SATISFACTIONS, TICKET_TYPES, URGENCIES
from hotline.tickets.schemas import MAX_ID, Phone
from hotline.tickets.workflow import State


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class UserOut(Out):
    id: int
    username: str
    full_name: str
    roles: list[str]
    department_id: int | None


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    username: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenOut(Out):
    token: str
    user: UserOut


class DepartmentOut(Out):
    id: int
    code: str
    name: str
    area: str | None


class DepartmentList(Out):
    items: list[DepartmentOut]


class CategoryOut(Out):
    id: int
    parent_id: int | None
    level: int
    code: str | None
    name: str
    path: str


class CategoryList(Out):
    items: list[CategoryOut]


class EventOut(Out):
    action: str
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    created_at: datetime


class AssistOpinionOut(Out):
    department_id: int
    department_name: str
    opinion: str
    created_at: datetime


class TicketOut(Out):
    number: str
    channel: str
    caller_name: str | None
    caller_phone: str | None
    is_enterprise: bool
    subject: str | None
    content: str
    address: str | None
    area: str | None
    type: str
    urgency: str
    detected_urgency: str | None
    urgency_reason: str | None
    category_id: int | None
    category_confirmed: bool
    department_id: int | None
    assisting_department_ids: list[int]
    state: str
    version: int
    reopen_count: int
    duplicate_of: str | None
    created_at: datetime
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    sign_due_at: datetime | None
    complete_due_at: datetime | None
    lateness: Literal[tuple(LATENESS)]
    suggestions: dict | None = None
    events: list[EventOut] | None = None
    assist_opinions: list[AssistOpinionOut] | None = Field(None, description="协办意见（详情中给出）")


class ContactOut(Out):
    number: str
    caller_name: str | None
    caller_phone: str | None
    caller_id_number: str | None


class TicketPage(Out):
    items: list[TicketOut]
    total: int
    page: int
    per_page: int


def _date_or_moment(value):
    """'2026-03-02' is a whole local day; anything longer is an instant (offset optional)."""
    if not isinstance(value, str):
        return value
    parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if not 2000 <= parsed.year <= 2999:
        raise ValueError("year must be between 2000 and 2999")
    return parsed


DayOrMoment = Annotated[date | datetime, BeforeValidator(_date_or_moment)]


class TicketQuery(BaseModel):
    """Filters for GET /tickets; every parameter is optional."""

    model_config = ConfigDict(extra="forbid")
    state: Literal[tuple(State)] | None = None
    department_id: Annotated[int, Field(gt=0, le=MAX_ID)] | None = None
    urgency: Literal[tuple(URGENCIES)] | None = None
    type: Literal[tuple(TICKET_TYPES)] | None = None
    channel: Literal[tuple(CHANNELS)] | None = None
    overdue: bool | None = Field(None, description="true: 有已超期未完成的时限")
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=r"^[^\x00]*$")] | None = Field(
        None, description="在编号、标题、诉求内容、地址中搜索")
    created_from: DayOrMoment | None = Field(None, description="日期（当天 0 点起）或带时区的时间")
    created_to: DayOrMoment | None = Field(None, description="日期（含当天）或带时区的时间（不含）")
    category_id: Annotated[int, Field(gt=0, le=MAX_ID)] | None = Field(None, description="分类（含其下级分类）")
    area: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                           pattern=r"^[^\x00]*$")] | None = Field(None, description="所属区域")
    lateness: Literal[tuple(LATENESS)] | None = Field(
        None, description="此刻的超期程度（按仍在计时的时限判断）：正常、预警、超期、严重超期")
    sign_due_from: DayOrMoment | None = Field(None, description="签收时限不早于（日期或时间）")
    sign_due_to: DayOrMoment | None = Field(None, description="签收时限早于（日期含当天，或时间不含）")
    complete_due_from: DayOrMoment | None = Field(None, description="办结时限不早于（日期或时间）")
    complete_due_to: DayOrMoment | None = Field(None, description="办结时限早于（日期含当天，或时间不含）")
    late: Literal["sign", "complete"] | None = Field(
        None, description="本次派单超过签收（sign）或办结（complete）时限：超时完成或超时未完成")
    satisfaction: Literal[tuple(SATISFACTIONS)] | None = None
    caller_phone: Phone | None = Field(None, description="来电号码（完全一致）")
    sort: Literal["created_at", "-created_at", "complete_due_at", "-complete_due_at", "sign_due_at"] = Field(
        "-created_at", description="排序：字段名升序，前加 - 为降序")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20
