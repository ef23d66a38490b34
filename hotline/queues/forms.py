"""The queue pages' forms: ticket selections for bulk actions and the per-row decisions."""
import re

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

MAX_SELECTED = 200
_SELECTED = re.compile(r"^(\d{8}-\d{6}):(\d{1,10})$")


class TicketSelection(Field):
    """The checked rows, each sent as "number:version" so that the version the user saw
    travels with every ticket: [(number, version), …]."""

    def _value(self):
        return ""

    def process_formdata(self, valuelist):
        self.data = []
        for raw in dict.fromkeys(valuelist):
            match = _SELECTED.match(raw)
            if match is None:
                raise ValueError("所选工单有误，请重新加载页面后再选")
            self.data.append((match.group(1), int(match.group(2))))

    def pre_validate(self, form):
        if not self.data:
            raise ValidationError("请先勾选要处理的工单")
        if len(self.data) > MAX_SELECTED:
            raise ValidationError(f"一次最多处理 {MAX_SELECTED} 件工单")


class BulkForm(FlaskForm):
    tickets = TicketSelection(default=list)


class BulkDispatchForm(BulkForm):
    # 0: each ticket to the department the classifier suggested for it.
    department_id = SelectField("承办单位", coerce=int, default=0)
    # 0: each ticket keeps the category shown in its row (given at intake, else suggested), which
    # the dispatcher confirms by dispatching it.
    category_id = SelectField("诉求分类", coerce=int, default=0)


class DecisionForm(FlaskForm):
    """One ticket's decision in a dispatcher queue; the service checks `version`."""

    action = HiddenField(validators=[InputRequired()])
    number = HiddenField(validators=[InputRequired()])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])

    def payload(self):
        return {"version": self.version.data}


class NoteDecision(DecisionForm):
    note = TextAreaField("审核意见", validators=[Optional(), Length(max=2000, message="审核意见最多 2000 字")])

    def payload(self):
        note = (self.note.data or "").strip()
        return {**super().payload(), **({"note": note} if note else {})}


class ReasonDecision(DecisionForm):
    reason = TextAreaField("理由", validators=[InputRequired("请填写理由"),
                                             Length(min=2, max=2000, message="理由需 2–2000 字")])

    def payload(self):
        return {**super().payload(), "reason": self.reason.data}


class ExplainForm(FlaskForm):
    explanation = TextAreaField("情况说明", validators=[InputRequired("请填写情况说明"),
                                                    Length(min=2, max=2000, message="情况说明需 2–2000 字")])
