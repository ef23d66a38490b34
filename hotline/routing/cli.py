"""`flask --app wsgi model train|list|activate|rollback|ensure-default` for the registry."""
import json

import click
from flask.cli import AppGroup

from classifier.errors import ClassifierError
from classifier.train import read_csv
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.routing import registry, training

model_cli = AppGroup("model", help="分类模型：训练、列表、启用、回滚")


def _fail(exc):
    raise click.ClickException(getattr(exc, "message", str(exc)))


@model_cli.command("train")
@click.option("--kind", type=click.Choice(registry.KINDS), default="category")
@click.option("--data", "data_file", type=click.Path(dir_okay=False),
              help="CSV（text,label[,subject,address]）；不给则用种子语料加已确认工单")
@click.option("--skip-bad", is_flag=True, help="跳过有问题的行（列出行号和原因），不中止训练")
@click.option("--activate", is_flag=True, help="训练后立即启用")
def train_command(kind, data_file, skip_bad, activate):
    """Train a model, scored on held-out data, and register it (inactive unless --activate)."""
    skipped = []
    try:
        if data_file:
            texts, labels, skipped = read_csv(data_file, skip_bad=True) if skip_bad else (*read_csv(data_file), [])
            row = registry.register(training.fit(texts, labels), kind, "file")
        elif kind == "category":
            row = training.train_category_model(training.confirmed_tickets("category"))
        else:
            row = registry.register(training.fit(*training.confirmed_tickets("department")), kind, "tickets")
        if activate:
            registry.activate(row.version)
    except (ClassifierError, HotlineError, ValueError) as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    for line, reason in skipped:
        click.echo(f"已跳过第 {line} 行：{reason}", err=True)
    message = training.left_out_message(row.metrics)
    if message:
        click.echo(message, err=True)
    click.echo(json.dumps(row.to_dict() | {"skipped_rows": [{"line": line, "reason": reason}
                                                            for line, reason in skipped]}, ensure_ascii=False))


def _score(metrics, name):
    value = metrics.get(name)
    return f"{name}={value:.3f}" if isinstance(value, int | float) else f"{name}=-"


@model_cli.command("list")
def list_command():
    """List registered models, newest first, with their held-out scores."""
    for row in registry.models():
        mark = "*" if row.active else " "
        scores = " ".join(_score(row.metrics, name) for name in ("macro_f1", "accuracy", "ece"))
        held = row.metrics.get("n_samples", "-")
        how = {"holdout": "held-out", "cross_validation": "cross-validated"}.get(row.metrics.get("method"), "")
        click.echo(f"{mark} {row.version:<45} {row.kind:<10} n={row.n_samples:<7} {scores} "
                   f"n_held_out={held}{f' ({how})' if how else ''} source={row.source}")


def _change_active(change, message):
    try:
        row = change()
    except (ClassifierError, HotlineError) as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(message.format(row.version))


@model_cli.command("activate")
@click.argument("version")
def activate_command(version):
    """Make VERSION the active model of its kind (running workers follow at once)."""
    _change_active(lambda: registry.activate(version), "已启用 {}")


@model_cli.command("rollback")
@click.option("--kind", type=click.Choice(registry.KINDS), default="category")
def rollback_command(kind):
    """Re-activate the previously active model."""
    _change_active(lambda: registry.rollback(kind), "已回滚到 {}")


@model_cli.command("ensure-default")
def ensure_default_command():
    """Train and activate the seed-corpus model if no category model is active."""
    row = training.ensure_default_model()
    db.session.commit()
    click.echo(f"已训练默认模型 {row.version}" if row else "已有启用的分类模型")
