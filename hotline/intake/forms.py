"""The intake form: the caller's request in the centre's words, turned into the service's input."""
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from hotline import labels
from hotline.directory.models import Category, Department
from hotline.errors import InvalidInput
from hotline.extensions import db
from hotline.forms import options

FINISHES = ("save", "answer", "dispatch", "invalidate", "merge")
CHOICE_MESSAGE = "请从列表中选择"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class IntakeForm(FlaskForm):
    caller_phone = StringField("来电号码", validators=[Optional(), Regexp(
        r"^\+?[0-9][0-9-]{2,19}$", message="来电号码只能包含数字和“-”，3–20 位")], filters=[_strip])
    caller_name = StringField("来电人", validators=[Optional(), Length(max=50, message="来电人不超过 50 字")],
                              filters=[_strip])
    is_enterprise = BooleanField("涉企")
    channel = SelectField("渠道", choices=options(labels.CHANNELS.items()), default="phone",
                          invalid_choice_message=CHOICE_MESSAGE)
    type = SelectField("诉求类型", choices=options(labels.TICKET_TYPES.items()), default="complaint",
                       invalid_choice_message=CHOICE_MESSAGE)
    urgency = SelectField("紧急程度", choices=options([("auto", "自动识别"), *labels.URGENCIES.items()]),
                          default="auto", invalid_choice_message=CHOICE_MESSAGE)
    urgency_reason = StringField("调低原因", validators=[Optional(), Length(
        min=2, max=500, message="调低原因应为 2–500 字")], filters=[_strip])
    address = StringField("诉求地址", validators=[Optional(), Length(max=300, message="诉求地址不超过 300 字")],
                          filters=[_strip])
    area = SelectField("所属区域", invalid_choice_message=CHOICE_MESSAGE)
    category_id = SelectField("诉求分类", coerce=_optional_int, validators=[InputRequired("请选择诉求分类")],
                              invalid_choice_message=CHOICE_MESSAGE, invalid_value_message=CHOICE_MESSAGE)
    subject = StringField("标题", validators=[Optional(), Length(max=200, message="标题不超过 200 字")],
                          filters=[_strip])
    content = TextAreaField("诉求内容", validators=[InputRequired("请填写诉求内容"), Length(
        min=5, max=5000, message="诉求内容应为 5–5000 字")], filters=[_strip])
    answer = TextAreaField("答复内容", filters=[_strip])
    department_id = SelectField("承办单位", coerce=_optional_int, invalid_choice_message=CHOICE_MESSAGE,
                                invalid_value_message=CHOICE_MESSAGE)
    assisting_department_ids = SelectMultipleField("协办单位", coerce=int, invalid_choice_message=CHOICE_MESSAGE,
                                                   invalid_value_message=CHOICE_MESSAGE)
    reason = StringField("无效原因", filters=[_strip])
    target_number = StringField("并入工单编号", filters=[_strip])
    # Which submit button was pressed; "merge:<number>" comes from a similar ticket's own button.
    finish = StringField(default="save", filters=[lambda value: value or "save"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = db.session.scalars(select(Department).where(Department.active).order_by(Department.id)).all()
        self.area.choices = options([("", "未填写")] + [(d.area, d.area) for d in departments if d.area])
        self.department_id.choices = options([("", "请选择承办单位")] + [(d.id, d.name) for d in departments])
        self.assisting_department_ids.choices = options((d.id, d.name) for d in departments)
        self.category_id.choices = _category_choices()

    @property
    def mode(self):
        return self.finish.data.partition(":")[0]

    def validate_finish(self, field):
        if self.mode not in FINISHES:
            raise ValidationError("未知的办理方式")

    def ticket_data(self):
        """The create input, as POST /api/v1/tickets takes it: 自动识别 leaves the urgency to the service."""
        data = {name: getattr(self, name).data or None for name in (
            "caller_phone", "caller_name", "address", "area", "subject", "category_id", "urgency_reason")}
        level = None if self.urgency.data == "auto" else self.urgency.data
        return data | {"channel": self.channel.data, "type": self.type.data, "content": self.content.data,
                       "is_enterprise": self.is_enterprise.data, "urgency": level}

    def action(self):
        """(workflow action, its input) for the chosen finish, or (None, None) to only save."""
        mode, _, target = self.finish.data.partition(":")
        if mode == "save":
            return None, None
        if mode == "answer":
            return "answer", {"answer": _required(self.answer.data, "直接办结须填写答复内容")}
        if mode == "dispatch":
            return "dispatch", {"department_id": _required(self.department_id.data, "派单须选择承办单位"),
                                "assisting_department_ids": self.assisting_department_ids.data,
                                "category_id": self.category_id.data}
        if mode == "invalidate":
            return "invalidate", {"reason": _required(self.reason.data, "标记无效须填写无效原因")}
        return "merge", {"target_number": _required(target or self.target_number.data, "并单须填写并入的工单编号")}


def _required(value, message):
    if value in (None, ""):
        raise InvalidInput(message)
    return value


def _category_choices():
    """Categories grouped under their top level, each below it shown by its path, in taxonomy order."""
    rows = db.session.scalars(select(Category).where(Category.active).order_by(Category.id)).all()
    children = {}
    for category in rows:
        children.setdefault(category.parent_id, []).append(category)

    def below(parent, group, prefix=""):
        for child in children.get(parent.id, ()):
            path = f"{prefix} / {child.name}" if prefix else child.name
            yield SelectChoice(child.id, path, optgroup=group)
            yield from below(child, group, path)

    return [SelectChoice("", "请选择诉求分类")] + [
        choice for top in children.get(None, ()) for choice in below(top, top.name)]
