"""`flask --app wsgi tickets ...`: commands over the ticket table."""
import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.extensions import db
from hotline.tickets import retention
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
