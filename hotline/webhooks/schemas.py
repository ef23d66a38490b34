"""The webhook API's input and output models, and the rule for an endpoint's URL."""
import ipaddress
import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hotline.api.models import Out
from hotline.labels import WEBHOOK_EVENTS, WEBHOOK_STATUSES
from hotline.tickets import schemas

# Plain HTTP only to this machine (a receiver in the tests, a local relay); everything else HTTPS.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_URL = 2000
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_URL_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces

EventCode = Literal[tuple(WEBHOOK_EVENTS)]
StatusCode = Literal[tuple(WEBHOOK_STATUSES)]


def checked_url(value):
    """The endpoint URL as stored, or ValueError saying in Chinese why it is refused."""
    if not _URL_CHARACTERS.match(value):
        raise ValueError("地址只能包含可见的 ASCII 字符（中文域名请先转换为 xn-- 形式）")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("地址格式不正确") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http"):
        raise ValueError("地址必须以 https:// 开头")
    if "@" in parts.netloc:
        raise ValueError("地址中不能包含用户名或密码，请改用签名密钥验证")
    if not _valid_host(host):
        raise ValueError("地址中的主机名不正确")
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ValueError("只允许 https 地址；http 仅限本机（127.0.0.1、::1、localhost）测试使用")
    if parts.fragment or value.endswith("#"):
        raise ValueError("地址中不能包含 # 片段")
    if port == 0:
        raise ValueError("地址中的端口不正确")
    return value


def _valid_host(host):
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL),
                AfterValidator(checked_url),
                Field(description="接收地址：https://…；http 仅限本机。解析到内网、本机、链路本地等非公网地址的主机"
                                  "不予接受（HOTLINE_WEBHOOK_ALLOWED_NETWORKS 所列网段除外），"
                                  "每次推送前重新解析并核对")]
Name = Annotated[schemas._text(1, 100, one_line=True), Field(description="名称，如「省 12345 平台」")]


def _distinct(codes):
    if len(set(codes)) != len(codes):
        raise ValueError("事件不能重复")
    return codes


Events = Annotated[list[EventCode], Field(min_length=1, max_length=len(WEBHOOK_EVENTS),
                                          description="订阅的事件：" + "、".join(
                                              f"{code} {label}" for code, label in WEBHOOK_EVENTS.items())),
                   AfterValidator(_distinct)]


class EndpointCreate(schemas.Input):
    name: Name
    url: Url
    events: Events
    active: bool = True


class EndpointChange(schemas.Input):
    name: Name | None = None
    url: Url | None = None
    events: Events | None = None
    active: bool | None = None


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StatusCode | None = Field(None, description="投递状态")
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 50


class EndpointOut(Out):
    id: int
    name: str
    url: str
    events: list[EventCode]
    active: bool
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime | None


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="签名密钥，只在新增和更换时返回这一次")


class EndpointList(Out):
    items: list[EndpointOut]


class DepartmentRef(BaseModel):
    id: int
    code: str
    name: str


class CategoryRef(BaseModel):
    id: int
    name: str
    path: str


class TicketFacts(BaseModel):
    """What an event says about its ticket: never the caller's name, phone, ID number, address or words."""

    number: str
    state: str
    channel: str
    type: str
    urgency: str
    area: str | None
    department: DepartmentRef | None
    category: CategoryRef | None
    created_at: datetime
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    sign_due_at: datetime | None
    complete_due_at: datetime | None


class EventPayload(BaseModel):
    """The JSON body of every delivery."""

    id: str = Field(description="事件 ID：同一事件发往各地址时相同")
    event: EventCode
    occurred_at: datetime
    action: str = Field(description="引起事件的工作流操作（create、dispatch … ；超期为 deadline_sweep）")
    from_state: str | None
    deadlines: list[str] = Field(description="超期事件：刚超期的时限（sign、contact、onsite、complete）；其他事件为空")
    ticket: TicketFacts


class DeliveryOut(Out):
    id: int
    delivery_id: str
    endpoint_id: int
    event_id: str
    event: EventCode
    payload: EventPayload
    status: StatusCode
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(Out):
    items: list[DeliveryOut]
    total: int
    page: int
    per_page: int
