"""Managing users (admins) and one's own password; every change goes to the audit trail."""
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator
from sqlalchemy import select

from hotline.audit import service as audit
from hotline.auth.models import User
from hotline.directory.models import Department
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.tickets import schemas
from hotline.tickets.workflow import Role

MIN_PASSWORD = 8
Password = schemas._text(MIN_PASSWORD, 200)
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=50,
                                            pattern=r"^[A-Za-z0-9_.-]+$")]
RoleCode = Literal[tuple(Role)]


class UserCreate(schemas.Input):
    username: Username
    password: Password
    full_name: schemas._text(0, 50) = ""
    roles: list[RoleCode] = Field(min_length=1, max_length=len(Role))
    department_id: schemas.Id | None = None


class UserChange(schemas.Input):
    full_name: schemas._text(0, 50) | None = None
    roles: list[RoleCode] | None = Field(None, min_length=1, max_length=len(Role))
    department_id: schemas.Id | None = None
    active: bool | None = None


class PasswordReset(schemas.Input):
    password: Password


class PasswordChange(schemas.Input):
    current_password: schemas._text(1, 200)
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _differs(cls, value, info):
        if value == info.data.get("current_password"):
            raise ValueError("新密码不能与原密码相同")
        return value


def snapshot(user):
    """What the audit trail keeps of a user: never the password hash."""
    return {"username": user.username, "full_name": user.full_name, "roles": sorted(user.roles),
            "department_id": user.department_id, "active": user.active}


def users():
    return db.session.scalars(select(User).order_by(User.id)).all()


def get(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def create(data, actor):
    params = schemas.parse(UserCreate, data)
    if db.session.scalar(select(User.id).where(User.username == params.username)) is not None:
        raise Conflict(f"用户名 {params.username} 已被使用", code="duplicate_username")
    user = User(username=params.username, full_name=params.full_name)
    _place(user, params.roles, params.department_id)
    user.set_password(params.password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user", user.id, "create", None, snapshot(user))
    return user


def change(user_id, data, actor):
    params = schemas.parse(UserChange, data)
    user = get(user_id)
    before = snapshot(user)
    if params.full_name is not None:
        user.full_name = params.full_name
    if params.roles is not None or "department_id" in params.model_fields_set:
        roles = params.roles if params.roles is not None else user.roles
        department_id = params.department_id if "department_id" in params.model_fields_set else user.department_id
        _place(user, roles, department_id)
    if params.active is not None and params.active != user.active:
        if user.id == actor.id and not params.active:
            raise Forbidden("不能停用自己的账号")
        user.active = params.active
        user.token_version += 1  # a disabled user's sessions and tokens end at once
    db.session.flush()
    after = snapshot(user)
    action = "update" if before["active"] == after["active"] else ("enable" if after["active"] else "disable")
    audit.record(actor, "user", user.id, action, before, after)
    return user


def reset_password(user_id, data, actor):
    """A new password chosen by an admin, to be changed by its owner at the next sign-in."""
    params = schemas.parse(PasswordReset, data)
    user = get(user_id)
    user.set_password(params.password)
    user.must_change_password = True
    db.session.flush()
    audit.record(actor, "user", user.id, "reset_password")
    return user


def change_own_password(user, data):
    params = schemas.parse(PasswordChange, data)
    if not user.check_password(params.current_password):
        raise InvalidInput("原密码不正确", code="wrong_password", details={"current_password": "wrong"})
    user.set_password(params.new_password)
    user.must_change_password = False
    db.session.flush()
    audit.record(user, "user", user.id, "change_password")
    return user


def _place(user, roles, department_id):
    """Roles and department together: a department user belongs to exactly one active department."""
    department = None
    if department_id is not None:
        department = db.session.get(Department, department_id)
        if department is None or not department.active:
            raise InvalidInput(f"承办单位 {department_id} 不存在或已停用", code="unknown_department",
                               details={"department_id": department_id})
    if Role.DEPARTMENT in roles and department is None:
        raise InvalidInput("承办单位角色必须指定所属单位", code="department_required",
                           details={"department_id": "required"})
    user.roles = roles
    user.department = department
