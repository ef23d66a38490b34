"""`flask --app wsgi backup FILE` and `flask --app wsgi restore FILE --yes`, with each database's
own tools: SQLite's online backup API (a consistent copy while the service runs), PostgreSQL's
pg_dump / pg_restore in their custom format (one transaction; restore replaces every table)."""
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from hotline.extensions import db

SQLITE_MAGIC, PG_MAGIC = b"SQLite format 3\x00", b"PGDMP"


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url):
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url):
    if not url.database or url.database == ":memory:":
        raise click.ClickException("内存数据库无法备份或恢复")
    return url.database


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(f"找不到 {name}：请安装 PostgreSQL 客户端"
                                   "（Debian：apt-get install postgresql-client）")
    return path


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise click.ClickException(f"{Path(command[0]).name} 失败：{said[-1] if said else done.returncode}")


def backup(target):
    url, target = _url(), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        db.engine.dispose()
        source, copy = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(target)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", _libpq(url)])
    return target.stat().st_size


def restore(source):
    url, source = _url(), Path(source)
    if not source.is_file():
        raise click.ClickException(f"备份文件 {source} 不存在")
    magic = source.read_bytes()[:16]
    backend = url.get_backend_name()
    expected = SQLITE_MAGIC if backend == "sqlite" else PG_MAGIC
    if not magic.startswith(expected):
        kind = "SQLite 数据库" if magic.startswith(SQLITE_MAGIC) else (
            "PostgreSQL 备份" if magic.startswith(PG_MAGIC) else "无法识别的文件")
        raise click.ClickException(f"{source} 是{kind}，与当前数据库（{backend}）不符，未做任何修改")
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        if backup_db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"{source} 已损坏（integrity_check 未通过），未做任何修改")
        live = sqlite3.connect(_sqlite_path(url))
        with live:
            backup_db.backup(live)
        backup_db.close()
        live.close()
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", f"--dbname={_libpq(url)}", str(source)])


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target):
    """把整个数据库备份到 TARGET（服务运行时也可执行）。"""
    size = backup(target)
    click.echo(f"已备份到 {target}（{size / 1024 / 1024:.1f} MB）")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="确认用备份替换当前数据库的全部数据")
@with_appcontext
def restore_command(source, yes):
    """用 SOURCE 备份替换当前数据库的全部数据（先停止 Web 服务和调度器）。"""
    if not yes:
        raise click.ClickException("恢复会替换当前数据库的全部数据：确认请加 --yes（并先停止 Web 服务和调度器）")
    restore(source)
    click.echo(f"已从 {source} 恢复数据库；请运行 flask --app wsgi setup 后再启动服务")
