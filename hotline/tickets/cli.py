"""`flask --app wsgi tickets ...`: commands over the ticket table."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from hotline.auth.models import User
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.tickets import bulk_export, importer, retention
from hotline.tickets.import_rows import FileError
from hotline.timeutil import utcnow


@click.group("tickets")
def tickets_cli():
    """工单数据维护。"""


@tickets_cli.command("purge-personal-data")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="保留天数（默认 HOTLINE_PERSONAL_DATA_RETENTION_DAYS）")
@click.option("--dry-run", is_flag=True, help="只统计将被删除个人信息的工单数，不做修改")
@with_appcontext
def purge_personal_data(days, dry_run):
    """删除办结超过保留期的工单中的来电人姓名、电话和身份证号（统计数据不受影响）。"""
    days = days or current_app.config["HOTLINE_PERSONAL_DATA_RETENTION_DAYS"]
    now = utcnow()
    if dry_run:
        click.echo(f"办结超过 {days} 天、仍存有个人信息的工单：{retention.count_due(now, days)} 张（未修改）")
        return
    summary = retention.purge(now, days)
    db.session.commit()
    click.echo(f"已删除 {summary['purged']} 张工单的来电人个人信息"
               f"（办结早于 {summary['before'][:10]}，保留 {days} 天）")


def _user(username):
    if not username:
        raise click.ClickException("请用 --user 指定执行此操作的用户")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"用户 {username} 不存在或已停用")
    return user


def _mapping(pairs):
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise click.ClickException(f"--map {pair}：应写作 原列名=字段，如 --map 受理日期=受理时间")
        mapping[source.strip()] = target.strip()
    return mapping


def _progress(stage, done, total):
    if stage == "checked":
        click.echo(f"已校验 {done} 行" + ("，校验完成" if total is not None else ""), err=True)
    else:
        click.echo(f"已写入 {done}/{total} 张工单", err=True)


@tickets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", help="执行导入的系统管理员（必填；记入审计日志和工单时间线）")
@click.option("--map", "pairs", multiple=True, metavar="原列名=字段",
              help="把文件中的列当作某个字段（中文列名或英文字段名），可多次给出")
@click.option("--dry-run", is_flag=True, help="只校验并报告，不写入任何数据")
@click.option("--skip-bad", is_flag=True, help="跳过有错误的行，导入其余的行")
@with_appcontext
def import_command(path, username, pairs, dry_run, skip_bad):
    """导入历史工单（.xlsx 或 .csv，第一行为列名；列说明见 README“导入与导出”）。

    文件中有任何错误行时不导入任何数据，除非给出 --skip-bad；已导入过的工单（按原工单编号，
    无编号时按整行内容）再次导入时跳过。
    """
    try:
        report = importer.import_tickets(path, _user(username), _mapping(pairs), dry_run=dry_run,
                                         skip_bad=skip_bad, progress=_progress)
    except (FileError, HotlineError) as error:
        raise click.ClickException(str(error)) from None
    for line, reasons in report.errors:
        click.secho(f"第 {line} 行：{'；'.join(reasons)}", fg="red", err=True)
    if report.ignored_columns:
        click.echo(f"未使用的列：{'、'.join(report.ignored_columns)}", err=True)
    summary = (f"共 {report.rows} 行：有效 {report.valid} 行，错误 {len(report.errors)} 行，"
               f"此前已导入 {report.existing} 张")
    if report.errors and not skip_bad:
        click.echo(summary, err=True)
        raise click.ClickException("文件有错误，未导入任何数据（可用 --skip-bad 跳过错误行）")
    if dry_run:
        click.echo(f"{summary}；试运行，未写入数据，将导入 {report.valid - report.existing} 张")
        return
    db.session.commit()
    numbers = f"（编号 {report.numbers[0]} 至 {report.numbers[1]}）" if report.numbers else ""
    click.echo(f"{summary}；已导入 {report.imported} 张工单{numbers}"
               + (f"，跳过错误行 {len(report.errors)} 行" if report.errors else ""))


def _filter_options(command):
    """One option per filter of GET /api/v1/tickets (--department-id 3 is department_id=3)."""
    for name in reversed(bulk_export.FILTERS):
        field = bulk_export.TicketQuery.model_fields[name]
        command = click.option(f"--{name.replace('_', '-')}", name,
                               help=field.description or f"同接口参数 {name}")(command)
    return command


def _exported(count):
    click.echo(f"已导出 {count} 张工单", err=True)


@tickets_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(bulk_export.FORMATS), default="csv", show_default=True,
              help="文件格式")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="输出文件（不给出时 csv、jsonl 写到标准输出；xlsx 必须给出）")
@click.option("--as", "username", help="以该用户的身份导出：承办单位用户只导出本单位可见的工单")
@_filter_options
@with_appcontext
def export_command(fmt, output, username, **filters):
    """按 GET /api/v1/tickets 的筛选条件导出工单（字段与接口中的工单相同；来电号码、身份证号已脱敏）。"""
    if fmt == "xlsx" and not output:
        raise click.ClickException("xlsx 格式须用 --output 指定输出文件")
    viewer = _user(username) if username else bulk_export.CentreView()
    try:
        query = bulk_export.parse_filters(filters)
    except HotlineError as error:
        details = "；".join(f"--{name.replace('_', '-')}：{reason}" for name, reason in error.details.items())
        raise click.ClickException(f"筛选条件有误：{details}") from None
    now = utcnow()
    rows = bulk_export.tickets(viewer, query, now)
    if output is None:
        count = bulk_export.write(rows, fmt, click.get_text_stream("stdout"), now, _exported)
    else:
        # A CSV file carries a BOM, so that Excel reads its Chinese as UTF-8.
        mode = {"mode": "wb"} if fmt == "xlsx" else {
            "mode": "w", "encoding": "utf-8-sig" if fmt == "csv" else "utf-8", "newline": ""}
        with open(output, **mode) as out:
            count = bulk_export.write(rows, fmt, out, now, _exported)
    click.echo(f"已导出 {count} 张工单" + (f"到 {output}" if output else ""), err=True)
