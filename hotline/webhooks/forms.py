"""The webhook pages' forms: field names are the API's input names, checked as the API checks them."""
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.admin.forms import AdminForm
from hotline.forms import options
from hotline.labels import WEBHOOK_EVENTS
from hotline.webhooks.schemas import MAX_URL, checked_url


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _url_rule(form, field):
    try:
        checked_url(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _some_event(form, field):
    if not field.data:
        raise ValidationError("请至少选择一个事件")


class EventsField(SelectMultipleField):
    """Checkboxes of event kinds; a code outside them (a forged post) is refused in Chinese."""

    def pre_validate(self, form):
        unknown = [code for code in self.data or () if code not in WEBHOOK_EVENTS]
        if unknown:
            raise ValidationError("没有这种事件：" + "、".join(unknown))


class EndpointForm(AdminForm):
    name = StringField("名称", validators=[InputRequired("请填写名称"), Length(max=100, message="名称最多 100 个字")],
                       filters=[_strip])
    url = StringField("接收地址", validators=[InputRequired("请填写接收地址"),
                                         Length(max=MAX_URL, message=f"地址最多 {MAX_URL} 个字符"), _url_rule],
                      filters=[_strip])
    events = EventsField("订阅事件", choices=options(WEBHOOK_EVENTS.items()), validators=[_some_event],
                         widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
