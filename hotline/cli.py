"""Operational commands: `flask --app wsgi setup | seed-demo | create-user`."""
import functools

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from hotline.auth.models import User
from hotline.backup import backup_command, restore_command
from hotline.demo import seed_demo
from hotline.directory import calendar
from hotline.directory.cli import calendar_cli
from hotline.directory.models import Department
from hotline.extensions import DATABASE_DOWN, database_down_message, db
from hotline.jobs.cli import jobs_group, scheduler_command
from hotline.open311.cli import open311_cli
from hotline.reports.cli import reports_cli
from hotline.routing.cli import model_cli
from hotline.tickets.cli import tickets_cli
from hotline.tickets.workflow import Role
from hotline.timeutil import utcnow


def register(app):
    for command in (model_cli, setup_command, seed_demo_command, create_user_command, scheduler_command,
                    jobs_group, reports_cli, calendar_cli, tickets_cli, backup_command, restore_command,
                    open311_cli):
        _explain_database_errors(command)
        app.cli.add_command(command)


def _explain_database_errors(command):
    """A command that cannot reach the database says so in one line, not with a traceback."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _explain_database_errors(sub)
        return
    callback = command.callback
    if getattr(callback, "explains_database_errors", False):
        return

    @functools.wraps(callback)
    def explained(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except DATABASE_DOWN as exc:
            raise click.ClickException(database_down_message(exc)) from None

    explained.explains_database_errors = True
    command.callback = explained


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or migrate the database and seed the calendar and time limits (idempotent)."""
    upgrade()
    years = calendar.seed_from_package()
    policies = calendar.seed_policies()
    db.session.commit()
    click.echo(f"数据库已就绪；新增节假日年份：{years or '无'}；新增时限策略：{policies} 条")
    warn_missing_years()


def warn_missing_years():
    today = utcnow().astimezone(calendar.local_tz()).date()
    for year in calendar.missing_years(today):
        click.secho(
            f"警告：{year} 年的法定节假日和调休安排尚未录入，按周一至周五计算工作日。"
            f"请管理员在国务院公布后录入。", fg="red", bold=True, err=True,
        )


@click.command("seed-demo")
@click.option("--if-new", is_flag=True, help="只在数据库还没有任何用户时执行")
@with_appcontext
def seed_demo_command(if_new):
    """Seed the demo city: departments, categories and one user per role."""
    if if_new and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("数据库已有用户，跳过演示数据")
        return
    count = seed_demo(current_app.config["HOTLINE_DEMO_PASSWORD"], current_app.config["HOTLINE_OPEN311_API_KEY"])
    db.session.commit()
    click.echo(f"演示数据已就绪：{count} 个承办单位；用户密码取自 HOTLINE_DEMO_PASSWORD")


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]))
@click.option("--department", "department_code", help="承办单位代码（department 角色必填）")
@click.option("--full-name", default="")
def create_user_command(username, password, roles, department_code, full_name):
    """Create a user with one or more roles."""
    if len(password) < 8:
        raise click.BadParameter("密码至少 8 位", param_hint="--password")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.BadParameter(f"用户 {username} 已存在", param_hint="--username")
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise click.BadParameter(f"承办单位 {department_code} 不存在", param_hint="--department")
    if Role.DEPARTMENT in roles and department is None:
        raise click.BadParameter("department 角色必须指定 --department", param_hint="--department")
    user = User(username=username, full_name=full_name, department=department)
    user.roles = roles
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"已创建用户 {username}（{', '.join(sorted(roles))}）")
