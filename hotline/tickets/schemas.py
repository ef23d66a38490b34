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


def _examples(*bodies):
    """Bodies the OpenAPI document shows (and schemathesis may send): valid in the demo city, whose
    department 1 is 住房和城乡建设局 (housing)."""
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


class TicketCreate(Input):
    model_config = _examples(
        {"channel": "phone", "type": "complaint",
         "content": "金桂苑小区7栋电梯坏了一个星期，物业一直不修，老人上下楼很困难",
         "caller_name": "张先生", "caller_phone": "13812345678", "address": "城西区桂花街道金桂苑小区7栋",
         "area": "城西区"},
        {"channel": "web", "type": "consult", "content": "请问新生儿医保怎么办理，需要带哪些材料？"},
    )
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
    model_config = _examples({"answer": "新生儿出生后三个月内可凭出生医学证明到社区医保窗口办理参保，无需其他材料。"})
    answer: _text(2, 5000)


class Dispatch(Action):
    model_config = _examples({"department_id": 1, "note": "请尽快派人查看电梯"})
    department_id: Id
    assisting_department_ids: list[Id] = Field(default_factory=list, max_length=10)
    category_id: Id | None = None
    note: _text(1, 2000) | None = None


class Empty(Action):
    model_config = _examples({})


class Reason(Action):
    model_config = _examples({"reason": "该诉求不属于本单位职责，请改派燃气公司"},
                             {"reason": "答复未说明维修时间，请补充后重新答复"})
    reason: _text(2, 2000)


class OptionalNote(Action):
    model_config = _examples({}, {"note": "已电话联系市民，约定明天上门"})
    note: _text(1, 2000) | None = None


class RequiredNote(Action):
    model_config = _examples({"note": "请加快办理，今天内答复市民"})
    note: _text(2, 2000)


class RequestExtension(Action):
    model_config = _examples({"days": 3, "reason": "需要协调厂家更换电梯配件"})
    days: Annotated[int, Field(ge=1, le=10)]
    reason: _text(2, 2000)


class Reply(Action):
    model_config = _examples({"result": "已督促物业更换电梯主板，电梯已恢复运行", "outcome": "resolved"})
    result: _text(5, 5000)
    outcome: Outcome


class RevisitInput(Action):
    model_config = _examples({"satisfaction": "satisfied", "resolved": True, "note": "市民表示电梯已修好"})
    satisfaction: Satisfaction
    resolved: bool | None = None
    note: _text(1, 2000) | None = None
    close_reason: _text(2, 2000) | None = None


class Merge(Action):
    model_config = _examples({"target_number": "20261127-000123"})
    target_number: _text(1, 20)


class AssistReply(Action):
    model_config = _examples({"opinion": "本单位已派人配合检查电梯安全"})
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
