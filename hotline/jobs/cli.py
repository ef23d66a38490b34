"""`flask --app wsgi scheduler` and `flask --app wsgi jobs run <name> [--now ISO-8601]`."""
import json
import logging
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.directory.calendar import local_tz
from hotline.jobs import scheduler
from hotline.jobs.runner import run_job
from hotline.jobs.tasks import JOBS
from hotline.timeutil import utcnow


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the job scheduler in the foreground (one per deployment; extras do no harm)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler.run(current_app._get_current_object())


@click.group("jobs")
def jobs_group():
    """Run a scheduled job by hand."""


@jobs_group.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option("--now", "as_of", metavar="ISO-8601",
              help="当作此刻运行（无时区则按本地时间），例如 2026-10-09T09:00")
@with_appcontext
def run_command(name, as_of):
    """Run one job once, now or as if at --now."""
    now = _moment(as_of) if as_of else utcnow()
    outcome = run_job(name, now)
    click.echo(json.dumps(outcome, ensure_ascii=False, default=str))
    if outcome["status"] != "ran":
        raise click.exceptions.Exit(1)


def _moment(value):
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"不是 ISO-8601 时间：{value}", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_tz())
