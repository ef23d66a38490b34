"""The admin console's forms: field names are the admin API's input names, and each form turns the
posted text into the typed values the services validate strictly (the pages and the API share one check)."""
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from hotline import labels
from hotline.auth.users import MIN_PASSWORD
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.forms import options
from hotline.tickets.forms import ChineseMeta

CODE_RULE = Regexp(r"^[a-z][a-z0-9_]*$", message="代码只能用小写字母、数字和下划线，且以字母开头")
CODE_LENGTH = Length(min=2, max=40, message="代码应为 2–40 个字符")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def _text(label, minimum, maximum, required=True, **kw):
    rules = [InputRequired(f"请填写{label}")] if required else [Optional()]
    rules.append(Length(min=minimum, max=maximum, message=f"{label}应为 {minimum}–{maximum} 个字"))
    return StringField(label, validators=rules, filters=[_strip], **kw)


def password_field(label):
    return PasswordField(label, validators=[InputRequired(f"请填写{label}"), Length(
        min=MIN_PASSWORD, max=200, message=f"密码至少 {MIN_PASSWORD} 位")])


def _department_select(label, blank):
    return SelectField(label, coerce=_optional_int, validators=[Optional()] if blank else
                       [InputRequired(f"请选择{label}")])


class AdminForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    keep_empty = ()  # text fields where "" is a value (a name cleared), not "none given"

    def payload(self, *names):
        """The typed values of `names` (every field when none given), an empty text as None."""
        names = names or [n for n in self._fields if n != "csrf_token"]
        return {n: (None if self[n].data == "" and n not in self.keep_empty else self[n].data) for n in names}


def department_choices(blank=None):
    rows = db.session.execute(select(Department.id, Department.name).where(Department.active)
                              .order_by(Department.id))
    return options(([("", blank)] if blank else []) + [(r.id, r.name) for r in rows])


def category_choices(blank=None, below=3, exclude=None):
    """Active categories above level `below` as "城乡建设 / 物业管理", leaving out `exclude`'s subtree."""
    rows = db.session.scalars(select(Category).where(Category.active, Category.level < below)
                              .order_by(Category.level, Category.id)).all()
    pairs = sorted(((c.id, c.path) for c in rows if exclude is None or not _within(c, exclude)),
                   key=lambda pair: pair[1])
    return options(([("", blank)] if blank else []) + pairs)


def _within(category, root_id):
    node = category
    while node is not None:
        if node.id == root_id:
            return True
        node = node.parent
    return False


# --- users ----------------------------------------------------------------------------------

class UserForm(AdminForm):
    keep_empty = ("full_name",)
    full_name = _text("姓名", 1, 50, required=False)
    roles = SelectMultipleField("角色", choices=options(labels.ROLES.items()),
                                validators=[InputRequired("请至少选择一个角色")],
                                invalid_choice_message="请从列表中选择角色")
    department_id = _department_select("所属单位", blank=True)

    def fill(self):
        self.department_id.choices = department_choices("（无，热线中心人员）")
        return self


class UserCreateForm(UserForm):
    username = StringField("用户名", filters=[_strip], validators=[
        InputRequired("请填写用户名"), Length(min=2, max=50, message="用户名应为 2–50 个字符"),
        Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能用字母、数字、点、下划线和连字符")])
    password = password_field("初始密码")


class PasswordResetForm(AdminForm):
    password = password_field("新密码")


class ActiveForm(AdminForm):
    """Enable or disable (users, departments, categories): the wanted state rides in a hidden field."""
    active = BooleanField(false_values=("false", ""))


# --- departments ----------------------------------------------------------------------------

class DepartmentChangeForm(AdminForm):
    name = _text("单位名称", 2, 100)
    kind = SelectField("单位类型", choices=options(labels.DEPARTMENT_KINDS.items()),
                       validators=[InputRequired("请选择单位类型")])
    area = _text("所属区域", 1, 50, required=False)


class DepartmentForm(DepartmentChangeForm):
    code = StringField("单位代码", filters=[_strip], validators=[InputRequired("请填写单位代码"), CODE_LENGTH,
                                                              CODE_RULE])


# --- categories -----------------------------------------------------------------------------

class CategoryForm(AdminForm):
    name = _text("分类名称", 1, 60)
    parent_id = SelectField("上级分类", coerce=_optional_int, validators=[Optional()])
    code = StringField("分类代码", filters=[_strip], validators=[Optional(), CODE_LENGTH, CODE_RULE])

    def fill(self):
        self.parent_id.choices = category_choices("（无，一级分类）")
        return self


class CategoryRenameForm(AdminForm):
    name = _text("分类名称", 1, 60)


class CategoryMoveForm(AdminForm):
    parent_id = SelectField("移到", coerce=_optional_int, validators=[Optional()])

    def fill(self, category):
        # A category with children may only go where its subtree still fits in three levels.
        self.parent_id.choices = category_choices("（移为一级分类）", exclude=category.id)
        return self


# --- the dispatch catalogue -----------------------------------------------------------------

class CatalogueChangeForm(AdminForm):
    lead_department_id = _department_select("主办单位", blank=False)
    assisting_department_ids = SelectMultipleField("协办单位", coerce=int)

    def fill(self):
        self.lead_department_id.choices = department_choices("请选择主办单位")
        self.assisting_department_ids.choices = department_choices()
        return self


class CatalogueForm(CatalogueChangeForm):
    category_id = SelectField("诉求分类", coerce=_optional_int, validators=[InputRequired("请选择诉求分类")])
    area = _text("区域", 1, 50, required=False, description="不填表示不限区域")

    def fill(self):
        super().fill()
        self.category_id.choices = category_choices("请选择诉求分类", below=4)
        return self


class CatalogueFilterForm(AdminForm):
    class Meta(ChineseMeta):
        csrf = False

    category_id = SelectField("诉求分类", coerce=_optional_int, validators=[Optional()])
    area = _text("区域", 1, 50, required=False)

    def fill(self):
        self.category_id.choices = category_choices("全部分类", below=4)
        return self


# --- time limits and working hours ----------------------------------------------------------

class PolicyForm(AdminForm):
    sign_limit = IntegerField("签收时限", validators=[InputRequired("请填写签收时限"),
                                                    NumberRange(1, 100_000, "签收时限应为 1–100000")])
    sign_unit = SelectField("签收时限单位", choices=options(labels.LIMIT_UNITS.items()),
                            validators=[InputRequired("请选择单位")])
    complete_limit = IntegerField("办结时限（工作日）", validators=[
        InputRequired("请填写办结时限"), NumberRange(1, 365, "办结时限应为 1–365 个工作日")])
    contact_minutes = IntegerField("联系市民时限（分钟）", validators=[
        Optional(), NumberRange(1, 10_000, "时限应为 1–10000 分钟")])
    onsite_minutes = IntegerField("到达现场时限（分钟）", validators=[
        Optional(), NumberRange(1, 10_000, "时限应为 1–10000 分钟")])


class WorkingHoursForm(AdminForm):
    hours = _text("每日工作时间", 11, 200, description="如 09:00-12:00,13:30-17:30（北京时间）")


# --- the audit trail ------------------------------------------------------------------------

class AuditFilterForm(AdminForm):
    class Meta(ChineseMeta):
        csrf = False

    entity = SelectField("对象", choices=options([("", "全部")] + list(labels.AUDIT_ENTITIES.items())),
                         validators=[Optional()])
    action = SelectField("操作", choices=options([("", "全部")] + list(labels.AUDIT_ACTIONS.items())),
                         validators=[Optional()])
    actor_id = SelectField("操作人", coerce=_optional_int, validators=[Optional()])
    date_from = DateField("起始日期", name="from", validators=[Optional()])
    date_to = DateField("截止日期", name="to", validators=[Optional()])
