"""`flask --app wsgi calendar import FILE [--dry-run]` and `calendar show YEAR`."""
import click
from flask.cli import AppGroup

from hotline.directory import calendar
from hotline.errors import InvalidInput
from hotline.extensions import db
from hotline.labels import CALENDAR_KINDS

calendar_cli = AppGroup("calendar", help="工作日历：导入、查看法定节假日和调休安排")
WEEKDAYS = "一二三四五六日"


@calendar_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="只检查文件，不写入")
def import_command(file, dry_run):
    """Import a year's arrangement from a CSV file (date,kind,name; kind holiday|workday)."""
    try:
        result = calendar.import_csv(file.read(), None, dry_run=dry_run)
    except InvalidInput as exc:
        db.session.rollback()
        for error in exc.details.get("errors", []):
            click.secho(f"第 {error['line']} 行：{error['message']}", fg="red", err=True)
        raise click.ClickException("文件有错误，未导入任何数据") from None
    years = "、".join(map(str, result.years))
    if dry_run:
        click.echo(f"检查通过（未写入）：{years} 年，法定节假日 {result.holidays} 天，调休上班 {result.workdays} 天")
        return
    db.session.commit()
    click.echo(f"已导入 {years} 年：法定节假日 {result.holidays} 天，调休上班 {result.workdays} 天；"
               "未办结工单的时限将由 calendar_recompute 任务重算")


@calendar_cli.command("show")
@click.argument("year", type=click.IntRange(calendar.MIN_YEAR, calendar.MAX_YEAR))
def show_command(year):
    """Print the year's holidays and make-up working days."""
    source = calendar.year_source(year)
    if source is None:
        click.secho(f"{year} 年的法定节假日和调休安排尚未录入，当前按周一至周五计算工作日", fg="yellow")
        return
    click.echo(f"{year} 年节假日安排（{'管理员录入' if source == 'admin' else '节假日数据包'}）")
    for kind in calendar.DAY_KINDS:
        days = [d for d in calendar.year_days(year) if d.kind == kind]
        click.echo(f"{CALENDAR_KINDS[kind]}（{len(days)} 天）：")
        for day in days:
            click.echo(f"  {day.day.isoformat()} 星期{WEEKDAYS[day.day.weekday()]}  {calendar.display_name(day)}")
