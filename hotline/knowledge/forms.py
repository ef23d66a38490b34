"""The knowledge base's admin forms: an article, and the list's search box."""
import re

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, Form, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.forms import options
from hotline.knowledge.articles import STATUSES
from hotline.tickets.forms import ChineseMeta

CHOICE_MESSAGE = "请从列表中选择"
TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_TAGS, MAX_TAG_LENGTH = 10, 20


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def _tags(value):
    if isinstance(value, list):
        return value
    return list(dict.fromkeys(tag for tag in TAG_SEPARATORS.split(value or "") if tag))


class TagsField(StringField):
    """Tags typed as one line (separated by commas, 、 or spaces), handed on as a list."""

    def _value(self):
        return "，".join(self.data) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist):
        self.data = _tags(valuelist[0] if valuelist else "")


class ArticleForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    title = StringField("标题", validators=[InputRequired("请填写标题"), Length(
        min=2, max=200, message="标题应为 2–200 字")], filters=[_strip])
    body = TextAreaField("答复口径", validators=[InputRequired("请填写答复口径"), Length(
        min=5, max=20000, message="答复口径应为 5–20000 字")], filters=[_strip])
    category_id = SelectField("诉求分类", coerce=_optional_int, invalid_choice_message=CHOICE_MESSAGE,
                              invalid_value_message=CHOICE_MESSAGE)
    source_department_id = SelectField("来源单位", coerce=_optional_int, invalid_choice_message=CHOICE_MESSAGE,
                                       invalid_value_message=CHOICE_MESSAGE)
    valid_from = DateField("生效日期", validators=[Optional()], format="%Y-%m-%d")
    valid_until = DateField("失效日期", validators=[Optional()], format="%Y-%m-%d")
    tags = TagsField("标签", default=list)
    active = BooleanField("在受理时向话务员展示", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired entries stay choosable, marked, so that an article filed under one can still be saved.
        categories = db.session.scalars(select(Category)).all()
        self.category_id.choices = options([("", "不限分类")] + sorted(
            ((c.id, c.path + ("" if c.active else "（已停用）")) for c in categories), key=lambda pair: pair[1]))
        departments = db.session.scalars(select(Department).order_by(Department.id))
        self.source_department_id.choices = options([("", "未指定")] + [
            (d.id, d.name + ("" if d.active else "（已停用）")) for d in departments])

    def validate_tags(self, field):
        if len(field.data) > MAX_TAGS:
            raise ValidationError(f"标签最多 {MAX_TAGS} 个")
        if any(len(tag) > MAX_TAG_LENGTH for tag in field.data):
            raise ValidationError(f"每个标签不超过 {MAX_TAG_LENGTH} 字")

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError("失效日期不能早于生效日期")

    def values(self):
        """The typed fields articles.add and articles.change take."""
        return {name: self[name].data for name in ("title", "body", "category_id", "source_department_id",
                                                   "valid_from", "valid_until", "tags", "active")}


class SearchForm(Form):
    """The list's GET filters; a plain Form, as a bookmarkable GET carries no CSRF token."""

    class Meta(ChineseMeta):
        pass

    q = StringField("搜索", validators=[Optional(), Length(max=200)], filters=[_strip])
    status = SelectField("状态", choices=options(STATUSES.items()), default="all",
                         invalid_choice_message=CHOICE_MESSAGE)
