"""`flask --app wsgi open311-key create NAME [--scope own|all] | list | revoke KEY | public-read [on|off]`."""
import click
from flask.cli import with_appcontext

from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.open311 import keys
from hotline.open311.models import SCOPES
from hotline.web import local_time


@click.group("open311-key")
def open311_cli():
    """Open311 API keys and whether reading requests needs one."""


def _done(change):
    """Run a change and commit it, or say in one line why it was refused (nothing written)."""
    try:
        result = change()
    except HotlineError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


@open311_cli.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(list(SCOPES)), default="own", show_default=True,
              help="own：只能读取本密钥提交的诉求；all：可读取全部诉求（举报类除外）")
@with_appcontext
def create_command(name, scope):
    """Create a key; it is printed once and stored only as a hash."""
    row, key = _done(lambda: keys.create(name, scope, None))
    click.echo(f"已新增 Open311 密钥「{row.name}」（编号 {row.id}，范围：{SCOPES[row.scope]}）")
    click.echo("密钥只显示这一次，请妥善保存：")
    click.echo(key)


@open311_cli.command("list")
@with_appcontext
def list_command():
    """List the keys (never the keys themselves)."""
    rows = keys.keys()
    if not rows:
        click.echo("尚无 Open311 密钥")
    for row in rows:
        status = f"已吊销（{local_time(row.revoked_at)}）" if row.revoked_at else "有效"
        used = local_time(row.last_used_at) or "从未使用"
        click.echo(f"{row.id}\t{row.name}\t{row.prefix}…\t{row.scope}\t{status}\t创建 {local_time(row.created_at)}"
                   f"\t最近使用 {used}")
    click.echo(f"公开读取：{'已开放' if keys.public_read() else '未开放'}")


@open311_cli.command("revoke")
@click.argument("key")
@with_appcontext
def revoke_command(key):
    """Revoke a key, named by its number or name."""
    row = _done(lambda: keys.revoke(key, None))
    click.echo(f"已吊销 Open311 密钥「{row.name}」")


@open311_cli.command("public-read")
@click.argument("value", required=False, type=click.Choice(["on", "off"]))
@with_appcontext
def public_read_command(value):
    """Show, or switch on or off, reading requests without a key."""
    if value is not None:
        _done(lambda: keys.set_public_read(value == "on", None))
    state = "已开放（无需 api_key 即可查询诉求）" if keys.public_read() else "未开放（查询诉求须提供 api_key）"
    click.echo(f"公开读取：{state}")
