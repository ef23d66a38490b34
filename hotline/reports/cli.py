"""`flask --app wsgi reports rebuild`: recount the daily report table from the tickets."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.reports import daily

reports_cli = AppGroup("reports", help="统计报表：重算按日统计表")


@reports_cli.command("rebuild")
def rebuild_command():
    """Recount report_days, every cut, as migration 0012 did: after bulk loads or a corrected past calendar."""
    daily.rebuild(db.session.connection())
    db.session.commit()
    rows = db.session.scalar(select(func.count()).select_from(daily.ReportDay))
    click.echo(f"按日统计表已重算：{rows} 行（{len(daily.CUTS)} 种维度组合）")
