"""The web forms of the ticket pages: the list's filters and one form per workflow action.

Field names are the API's input names; each form turns the posted text into the typed values
that hotline/tickets/schemas.py validates strictly, so the pages and the API share one check.
"""
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from hotline import labels
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.forms import options


class ChineseMeta(DefaultMeta):
    # WTForms' own messages (e.g. "Not a valid choice") in Chinese; there is no Flask-Babel here.
    locales = ("zh",)

    def get_translations(self, form):
        return DefaultMeta.get_translations(self, form)


class ActionForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def payload(self):
        """The typed input for service.perform: empty optional fields left out, as the API allows."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token" and field.data not in (None, "", [])}


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def _tri_state(value):
    return {"true": True, "false": False, True: True, False: False}.get(value)


def _text(label, minimum, maximum, required=True):
    rules = [InputRequired(f"请填写{label}")] if required else [Optional()]
    rules.append(Length(min=minimum, max=maximum, message=f"{label}应为 {minimum}–{maximum} 个字"))
    return TextAreaField(label, validators=rules, filters=[lambda v: v.strip() if isinstance(v, str) else v])


def _with(name, field):
    return type(f"{name.title().replace('_', '')}Form", (ActionForm,), {name: field})


class AnswerForm(ActionForm):
    answer = _text("答复内容", 2, 5000)


class DispatchForm(ActionForm):
    department_id = SelectField("承办单位", coerce=_optional_int,
                                validators=[InputRequired("请选择承办单位")])
    assisting_department_ids = SelectMultipleField("协办单位", coerce=int)
    # Required on the page, so that every ticket dispatched here carries a category a person confirmed
    # (pre-filled from the suggestion); the API keeps it optional.
    category_id = SelectField("诉求分类", coerce=_optional_int, validators=[InputRequired("请选择诉求分类")])
    note = _text("派单说明", 1, 2000, required=False)

    def fill_choices(self):
        departments = department_choices()
        self.department_id.choices = options([("", "请选择承办单位")] + departments)
        self.assisting_department_ids.choices = options(departments)
        self.category_id.choices = options([("", "请选择诉求分类")] + category_choices())


class RequestExtensionForm(ActionForm):
    days = IntegerField("延期天数（工作日）", validators=[
        InputRequired("请填写延期天数"), NumberRange(1, 10, "延期天数应为 1–10 个工作日")])
    reason = _text("延期理由", 2, 2000)


class ReplyForm(ActionForm):
    result = _text("办理结果", 5, 5000)
    outcome = SelectField("办理结论", choices=options([("", "请选择")] + list(labels.OUTCOMES.items())),
                          validators=[InputRequired("请选择办理结论")])


class RevisitForm(ActionForm):
    satisfaction = SelectField("满意度", choices=options([("", "请选择")] + list(labels.SATISFACTIONS.items())),
                               validators=[InputRequired("请选择满意度")])
    resolved = SelectField("问题是否解决", coerce=_tri_state, validate_choice=False,
                           choices=options([("", "请选择（未联系上可不填）"), ("true", "已解决"), ("false", "未解决")]))
    note = _text("回访记录", 1, 2000, required=False)
    close_reason = _text("不满意仍办结的理由", 2, 2000, required=False)


class MergeForm(ActionForm):
    target_number = StringField("并入工单编号", validators=[
        InputRequired("请填写并入的工单编号"), Length(max=20, message="工单编号过长")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v])


ACTION_FORMS = {
    "answer": AnswerForm,
    "dispatch": DispatchForm,
    "sign": ActionForm,
    "request_return": _with("reason", _text("退单理由", 2, 2000)),
    "approve_return": _with("note", _text("审核意见", 1, 2000, required=False)),
    "reject_return": _with("reason", _text("驳回理由", 2, 2000)),
    "request_extension": RequestExtensionForm,
    "approve_extension": _with("note", _text("审核意见", 1, 2000, required=False)),
    "reject_extension": _with("reason", _text("驳回理由", 2, 2000)),
    "record_contact": _with("note", _text("联系情况", 1, 2000, required=False)),
    "record_onsite": _with("note", _text("现场情况", 1, 2000, required=False)),
    "reply": ReplyForm,
    "approve_reply": _with("note", _text("审核意见", 1, 2000, required=False)),
    "reject_reply": _with("reason", _text("退回理由", 2, 2000)),
    "revisit": RevisitForm,
    "merge": MergeForm,
    "invalidate": _with("reason", _text("无效原因", 2, 2000)),
    "urge": _with("note", _text("催办意见", 2, 2000)),
    "supervise": _with("note", _text("督办意见", 2, 2000)),
    "assist_reply": _with("opinion", _text("协办意见", 2, 2000)),
}


def action_form(action, ticket, formdata=None):
    """The action's form, bound to the posted data, or fresh with the ticket's version (and, for
    dispatch, the suggested department with its suggested assisting departments) filled in."""
    cls = ACTION_FORMS[action]
    form = cls() if formdata is not None else cls(formdata=None, version=ticket.version,
                                                  department_id=ticket.suggested_department_id,
                                                  assisting_department_ids=ticket.suggested_assisting_ids,
                                                  category_id=ticket.category_id or ticket.suggested_category_id)
    if isinstance(form, DispatchForm):
        form.fill_choices()
    return form


def department_choices():
    rows = db.session.execute(select(Department.id, Department.name).where(Department.active)
                              .order_by(Department.id))
    return [(row.id, row.name) for row in rows]


def category_choices():
    categories = db.session.scalars(select(Category).where(Category.active).order_by(Category.id)).all()
    return sorted(((c.id, c.path) for c in categories), key=lambda choice: choice[1])


def _choices(mapping, empty="全部"):
    return [("", empty)] + list(mapping.items())


class FilterForm(Form):
    """The list page's GET filters; parsing is TicketQuery's, this only renders and keeps them."""

    class Meta(ChineseMeta):
        pass

    q = StringField("关键词")
    state = SelectField("状态", choices=options(_choices(labels.STATES)))
    department_id = SelectField("承办单位")
    category_id = SelectField("诉求分类")
    area = StringField("所属区域")
    urgency = SelectField("紧急程度", choices=options(_choices(labels.URGENCIES)))
    type = SelectField("诉求类型", choices=options(_choices(labels.TICKET_TYPES)))
    channel = SelectField("渠道", choices=options(_choices(labels.CHANNELS)))
    lateness = SelectField("超期程度", choices=options(_choices(labels.LATENESS)))
    late = SelectField("超时环节", choices=options(_choices({"sign": "签收超时", "complete": "办结超时"})))
    satisfaction = SelectField("满意度", choices=options(_choices(labels.SATISFACTIONS)))
    caller_phone = StringField("来电号码")
    created_from = StringField("受理日期起")
    created_to = StringField("受理日期止")
    sign_due_from = StringField("签收时限起")
    sign_due_to = StringField("签收时限止")
    complete_due_from = StringField("办结时限起")
    complete_due_to = StringField("办结时限止")
    sort = SelectField("排序", choices=options([
        ("-created_at", "受理时间（新→旧）"), ("created_at", "受理时间（旧→新）"),
        ("complete_due_at", "办结时限（近→远）"), ("-complete_due_at", "办结时限（远→近）"),
        ("sign_due_at", "签收时限（近→远）")]))
    per_page = SelectField("每页", choices=options([("20", "20 条"), ("50", "50 条"), ("100", "100 条")]))

    def __init__(self, formdata):
        super().__init__(formdata)
        self.department_id.choices = options([("", "全部")] + [(str(i), name) for i, name in department_choices()])
        self.category_id.choices = options([("", "全部")] + [(str(i), path) for i, path in category_choices()])
