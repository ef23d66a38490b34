"""The `seed-demo` and `create-user` commands."""
import pytest
from sqlalchemy import func, select

from hotline.auth.models import User, UserRole
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.tickets.workflow import Role
from tests.conftest import DEMO_PASSWORD

CITY_DEPARTMENTS = ("市住房和城乡建设局", "市生态环境局", "市交通运输局", "市教育局",
                    "市人力资源和社会保障局", "市卫生健康委员会", "市市场监督管理局",
                    "市城市管理和综合执法局")
CENTRE_USERS = {"admin": Role.ADMIN, "operator1": Role.OPERATOR, "dispatcher1": Role.DISPATCHER,
                "revisitor1": Role.REVISITOR, "supervisor1": Role.SUPERVISOR}


def user(username):
    return db.session.scalar(select(User).where(User.username == username))


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Department, User, UserRole, Category)}


def test_seed_demo_creates_the_city_departments(ctx):
    departments = db.session.scalars(select(Department)).all()
    names = {d.name for d in departments}
    assert len(departments) >= 15
    assert set(CITY_DEPARTMENTS) <= names
    assert any("供电" in name for name in names)
    assert any("燃气" in name for name in names)
    districts = [d for d in departments if d.name.endswith("区人民政府")]
    assert len(districts) >= 2
    assert all(d.area and d.name.startswith(d.area) for d in districts)


def test_seed_demo_creates_centre_users_with_their_roles(ctx):
    for username, role in CENTRE_USERS.items():
        assert user(username).roles == {role}, username
        assert user(username).department is None
    # scrypt is slow: check the password of a sample, all hashes come from one function.
    for username in [*CENTRE_USERS, "dept_housing"]:
        assert user(username).check_password(DEMO_PASSWORD), username
    assert not user("admin").check_password(DEMO_PASSWORD + "x")


def test_seed_demo_creates_one_department_user_per_department(ctx):
    for department in db.session.scalars(select(Department)):
        account = user(f"dept_{department.code}")
        assert account is not None, department.code
        assert account.roles == {Role.DEPARTMENT}
        assert account.department_id == department.id


def test_seed_demo_twice_changes_nothing(app, runner):
    with app.app_context():
        before = counts()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert f"{before['Department']} 个承办单位" in result.output
    with app.app_context():
        assert counts() == before


def test_seed_demo_if_new_skips_a_populated_database(app, runner):
    with app.app_context():
        before = counts()
    result = runner.invoke(args=["seed-demo", "--if-new"])
    assert result.exit_code == 0, result.output
    assert "跳过" in result.output
    with app.app_context():
        assert counts() == before


def test_create_user_with_password_role_and_department(app, runner):
    result = runner.invoke(args=["create-user", "--username", "dept_new", "--password",
                                 "s3cret-pass", "--role", "department", "--department",
                                 "housing", "--full-name", "新办理员"])
    assert result.exit_code == 0, result.output
    assert "已创建用户 dept_new（department）" in result.output
    with app.app_context():
        created = user("dept_new")
        assert created.roles == {Role.DEPARTMENT}
        assert created.department.code == "housing"
        assert created.full_name == "新办理员"
        assert created.check_password("s3cret-pass")


def test_create_user_with_several_roles_and_a_prompted_password(app, runner):
    result = runner.invoke(args=["create-user", "--username", "lead2", "--role", "dispatcher",
                                 "--role", "supervisor"], input="long-enough\nlong-enough\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        created = user("lead2")
        assert created.roles == {Role.DISPATCHER, Role.SUPERVISOR}
        assert created.department is None
        assert created.check_password("long-enough")


@pytest.mark.parametrize("args, message", [
    (["--username", "operator1", "--password", "s3cret-pass", "--role", "operator"],
     "用户 operator1 已存在"),
    (["--username", "newbie", "--password", "s3cret-pass", "--role", "boss"],
     "Invalid value for '--role'"),
    (["--username", "newbie", "--password", "s3cret-pass", "--role", "department",
      "--department", "nowhere"], "承办单位 nowhere 不存在"),
    (["--username", "newbie", "--password", "s3cret-pass", "--role", "department"],
     "department 角色必须指定 --department"),
    (["--username", "newbie", "--password", "1234567", "--role", "operator"],
     "密码至少 8 位"),
], ids=["duplicate", "unknown-role", "unknown-department", "department-without-unit",
        "short-password"])
def test_create_user_refuses_bad_input(app, runner, args, message):
    with app.app_context():
        before = counts()
        operator_hash = user("operator1").password_hash
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    with app.app_context():
        assert counts() == before
        assert user("newbie") is None
        assert user("operator1").password_hash == operator_hash
