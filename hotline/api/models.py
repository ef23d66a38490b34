"""Pydantic models of API responses and query strings: the OpenAPI document names them, and
views answer through them (hotline.api.respond), so the document is exact."""
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints

from hotline.labels import CHANNELS, LATENESS, OUTCOMES, SATISFACTIONS, TICKET_TYPES, URGENCIES
from hotline.tickets.schemas import MAX_ID, Phone
from hotline.tickets.workflow import State


class Out(BaseModel):
    """An answer's shape: a key the model does not name is an error, never sent undocumented."""

    model_config = ConfigDict(extra="forbid")


# Times as the API writes them: ISO-8601 with the offset, as datetime.isoformat() spells it.
Moment = Annotated[AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str)]
Day = Annotated[date, PlainSerializer(date.isoformat, return_type=str)]


class UserOut(Out):
    id: int
    username: str
    full_name: str
    roles: list[str]
    department_id: int | None
    active: bool
    must_change_password: bool = Field(description="管理员重置密码后为 true，须先修改密码")


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
    kind: str
    active: bool


class DepartmentList(Out):
    items: list[DepartmentOut]


class CategoryOut(Out):
    id: int
    parent_id: int | None
    level: int
    code: str | None
    name: str
    path: str
    active: bool


class CategoryList(Out):
    items: list[CategoryOut]


class EventOut(Out):
    action: str
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    data: dict[str, Any] = Field(description="该操作的附加数据（如派单的承办单位、延期天数）")
    created_at: Moment


class AssistOpinionOut(Out):
    department_id: int
    department_name: str
    opinion: str
    created_at: Moment


class Stored(Out):
    """A blob the database keeps from the moment it was made (a ticket's suggestions at intake): one
    written by an earlier version may hold a key since dropped, which is left out of the answer
    rather than failing it. tests/api/test_openapi.py checks that today's blobs have no such key."""

    model_config = ConfigDict(extra="ignore")


class DepartmentSuggestion(Stored):
    department_id: int
    code: str
    name: str
    probability: float = Field(ge=0, le=1)


class AssistingSuggestion(Stored):
    department_id: int
    code: str
    name: str


class CategorySuggestion(Stored):
    id: int
    code: str | None
    name: str
    path: str
    probability: float = Field(ge=0, le=1)


class UrgencyFlag(Stored):
    level: Literal[tuple(URGENCIES)]
    phrases: list[str]
    transfer_hint: str | None = Field(description="建议转接的热线，如 119、燃气抢修")


class SimilarTicket(Stored):
    number: str
    score: float
    reason: Literal["same_incident", "text", "same_phone"]
    place: str | None = Field(None, description="same_incident：共同的地点")
    place_kind: str | None = Field(None, description="same_incident：地点的种类（小区、道路……）")
    topic: float | None = Field(None, description="same_incident：问题相似度 0–1")


class RepeatOf(Stored):
    number: str = Field(description="应并入的最早未办结工单")
    calls: int = Field(description="该事项已有来电次数（含已并入的工单）")


class KnowledgeHit(Stored):
    id: int
    title: str
    score: float


class SuggestionsOut(Stored):
    departments: list[DepartmentSuggestion]
    assisting_departments: list[AssistingSuggestion] = Field(
        default_factory=list, description="派单目录中首选分类的协办单位，派单时预填")
    category: CategorySuggestion | None
    stage: Literal["catalogue", "model"] = Field(
        description="catalogue：派单目录决定；model：部门模型改变了派单目录的首选")
    manual: bool
    urgency: UrgencyFlag
    similar: list[SimilarTicket] = Field(description=(
        "相似工单：reason 为 same_incident（同一地点且同类问题，附 place 共同地点、place_kind、topic 问题相似度）、"
        "text（内容相近）或 same_phone（同一来电号码）；承办单位看不到（空列表）"))
    repeat_of: RepeatOf | None = Field(default=None, description=(
        "同一事项：number 为应并入的最早未办结工单，calls 为该事项已有来电次数（含已并入的工单）；承办单位看不到"))
    knowledge: list[KnowledgeHit] = Field(default_factory=list)
    model_version: str | None


class TicketOut(Out):
    number: str
    channel: Literal[tuple(CHANNELS)]
    caller_name: str | None
    caller_phone: str | None = Field(description="来电号码，一律脱敏（完整号码见 POST /tickets/{number}/contact）")
    caller_id_number: str | None = Field(description="身份证号，一律脱敏")
    is_enterprise: bool
    subject: str | None
    content: str
    address: str | None
    area: str | None
    type: Literal[tuple(TICKET_TYPES)]
    urgency: Literal[tuple(URGENCIES)]
    detected_urgency: Literal[tuple(URGENCIES)] | None
    urgency_reason: str | None
    category_id: int | None
    category_confirmed: bool
    department_id: int | None
    assisting_department_ids: list[int]
    state: Literal[tuple(State)]
    version: int
    reopen_count: int
    return_count: int
    duplicate_of: str | None
    answer: str | None
    result: str | None
    outcome: Literal[tuple(OUTCOMES)] | None
    satisfaction: Literal[tuple(SATISFACTIONS)] | None
    resolved: bool | None
    revisit_attempts: int
    extension_days: int
    pending_extension_days: int | None
    lateness: Literal[tuple(LATENESS)]
    source_ref: str | None = Field(description="历史导入工单的原工单编号（原文件无编号时为 row: 加该行内容的散列）；"
                                               "其他工单为空")
    created_at: Moment
    updated_at: Moment
    dispatched_at: Moment | None
    signed_at: Moment | None
    contacted_at: Moment | None
    onsite_at: Moment | None
    replied_at: Moment | None
    reply_approved_at: Moment | None
    closed_at: Moment | None
    return_due_at: Moment | None
    revisit_due_at: Moment | None
    imported_at: Moment | None = Field(description="历史导入的时间；其他工单为空")
    sign_warn_at: Moment | None
    sign_due_at: Moment | None
    sign_severe_at: Moment | None
    contact_warn_at: Moment | None
    contact_due_at: Moment | None
    contact_severe_at: Moment | None
    onsite_warn_at: Moment | None
    onsite_due_at: Moment | None
    onsite_severe_at: Moment | None
    complete_warn_at: Moment | None
    complete_due_at: Moment | None
    complete_severe_at: Moment | None
    suggestions: SuggestionsOut | None = Field(None, description="受理时的智能分派建议（有则给出）")
    events: list[EventOut] | None = Field(None, description="处理时间线（详情和操作的响应中给出，列表中没有）")
    assist_opinions: list[AssistOpinionOut] | None = Field(None, description="协办意见（详情和操作的响应中给出）")


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
        None, description="在编号（含历史导入工单的原工单编号）、标题、诉求内容、地址中搜索")
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


class PolicyOut(Out):
    id: int
    urgency: Literal[tuple(URGENCIES)]
    ticket_type: Literal[tuple(TICKET_TYPES)] | None = Field(description="null：适用于该紧急程度的所有类型")
    sign_limit: int
    sign_unit: str
    complete_limit: int
    complete_unit: str
    contact_minutes: int | None
    onsite_minutes: int | None


class PolicyList(Out):
    items: list[PolicyOut]


class ModelOut(Out):
    id: int
    kind: str
    version: str
    active: bool
    n_samples: int
    metrics: dict[str, Any] = Field(description="留出集（或交叉验证）指标：macro_f1、accuracy、ece、per_class……")
    source: str
    created_at: Moment
    activated_at: Moment | None


class TrainingOut(Out):
    id: int
    status: Literal["pending", "running", "done", "failed"]
    stage: str | None
    percent: int | None
    requested_at: Moment
    started_at: Moment | None
    finished_at: Moment | None
    result: dict[str, Any] = Field(description="完成后的训练报告（各模型版本、指标、未参加训练的标签）")
    error: str | None


class ModelList(Out):
    items: list[ModelOut]
    training: TrainingOut | None = Field(description="最近一次训练请求")


class CalendarDayOut(Out):
    date: Day
    kind: Literal["holiday", "workday", "default"]
    kind_label: str
    name: str
    source: str | None
