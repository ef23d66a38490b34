"""Validated input for ticket creation and every workflow action (SPEC §8)."""
from functools import partial
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hotline import text
from hotline.errors import InvalidInput
from hotline.labels import CHANNELS, OUTCOMES, SATISFACTIONS, TICKET_TYPES, URGENCIES

Channel = Literal[tuple(CHANNELS)]
TicketType = Literal[tuple(TICKET_TYPES)]
Urgency = Literal[tuple(URGENCIES)]
Outcome = Literal[tuple(OUTCOMES)]
Satisfaction = Literal[tuple(SATISFACTIONS)]


def _text(min_length=1, max_length=2000, one_line=False):
    """Text a person typed: trimmed, within its length, and acceptable (hotline/text.py: no control
    or direction characters, at least `min_length` visible characters)."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(partial(text.checked, min_visible=min_length, one_line=one_line)),
    ]


Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9-]{2,19}$")]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{17}[0-9Xx]$")]
MAX_ID = 2**31 - 1  # the database's integer range; larger ids cannot exist
Id = Annotated[int, Field(gt=0, le=MAX_ID)]


class Input(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class TicketCreate(Input):
    channel: Channel
    type: TicketType
    content: _text(5, 5000)
    urgency: Urgency | None = Field(None, description="紧急程度；不填则按诉求内容自动识别")
    urgency_reason: _text(2, 500) | None = Field(
        None, description="调低原因：所选紧急程度低于系统识别的紧急程度时必填")
    caller_name: _text(1, 50, one_line=True) | None = None
    caller_phone: Phone | None = None
    caller_id_number: IdNumber | None = None
    is_enterprise: bool = False
    subject: _text(1, 200, one_line=True) | None = None
    address: _text(1, 300, one_line=True) | None = None
    area: _text(1, 50, one_line=True) | None = None
    category_id: Id | None = None


class Action(Input):
    version: Id | None = None


class Answer(Action):
    answer: _text(2, 5000)


class Dispatch(Action):
    department_id: Id
    assisting_department_ids: list[Id] = Field(default_factory=list, max_length=10)
    category_id: Id | None = None
    note: _text(1, 2000) | None = None


class Empty(Action):
    pass


class Reason(Action):
    reason: _text(2, 2000)


class OptionalNote(Action):
    note: _text(1, 2000) | None = None


class RequiredNote(Action):
    note: _text(2, 2000)


class RequestExtension(Action):
    days: Annotated[int, Field(ge=1, le=10)]
    reason: _text(2, 2000)


class Reply(Action):
    result: _text(5, 5000)
    outcome: Outcome


class RevisitInput(Action):
    satisfaction: Satisfaction
    resolved: bool | None = None
    note: _text(1, 2000) | None = None
    close_reason: _text(2, 2000) | None = None


class Merge(Action):
    target_number: _text(1, 20)


class AssistReply(Action):
    opinion: _text(2, 2000)


ACTION_INPUTS = {
    "answer": Answer,
    "dispatch": Dispatch,
    "sign": Empty,
    "request_return": Reason,
    "approve_return": OptionalNote,
    "reject_return": Reason,
    "request_extension": RequestExtension,
    "approve_extension": OptionalNote,
    "reject_extension": Reason,
    "record_contact": OptionalNote,
    "record_onsite": OptionalNote,
    "reply": Reply,
    "approve_reply": OptionalNote,
    "reject_reply": Reason,
    "revisit": RevisitInput,
    "merge": Merge,
    "invalidate": Reason,
    "urge": RequiredNote,
    "supervise": RequiredNote,
    "assist_reply": AssistReply,
}


def _message(error):
    """Our own checks' messages are Chinese: without pydantic's "Value error, " before them."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return error["msg"]


def parse(model, data):
    """Validate a JSON object into `model`, or raise InvalidInput listing every problem."""
    if not isinstance(data, dict):
        raise InvalidInput("请求体必须是 JSON 对象", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = {".".join(str(p) for p in err["loc"]) or "body": _message(err) for err in exc.errors()}
        raise InvalidInput("输入有误：" + "；".join(details), details=details) from None
