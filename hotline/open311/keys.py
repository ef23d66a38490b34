"""Open311 API keys and the public-read setting: created, listed and revoked by admins, each change audited."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from hotline import text
from hotline.audit import service as audit
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.open311.models import SCOPES, Open311Key, Open311Settings
from hotline.timeutil import utcnow

# last_used_at is written at most this often per key, so that reads do not each write a row.
USED_RESOLUTION = timedelta(minutes=1)
SETTINGS_ID = 1


def digest(key):
    """Keys are long random tokens, so one SHA-256 pass is enough to make the stored value useless."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def keys():
    return db.session.scalars(select(Open311Key).order_by(Open311Key.id)).all()


def create(name, scope, actor, key=None, now=None):
    """A new key named `name`: returns (row, key). The key is only ever in this return value."""
    name = _name(name)
    if scope not in SCOPES:
        raise InvalidInput(f"范围只能是 {'、'.join(SCOPES)}", details={"scope": "可选 own 或 all"})
    if db.session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
        raise InvalidInput(f"已有名为「{name}」的密钥", code="duplicate_name", details={"name": "名称已被使用"})
    key = key or secrets.token_urlsafe(32)
    if db.session.scalar(select(Open311Key.id).where(Open311Key.key_hash == digest(key))) is not None:
        raise InvalidInput("该密钥已存在", code="duplicate_key", details={"key": "密钥已存在"})
    row = Open311Key(name=name, key_hash=digest(key), prefix=key[:8], scope=scope,
                     created_by_id=getattr(actor, "id", None), created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "open311_key", row.id, "create", after=_audited(row), now=row.created_at)
    return row, key


def _name(name):
    name = (name or "").strip()
    if not 2 <= len(name) <= 50:
        raise InvalidInput("名称应为 2–50 个字", details={"name": "名称应为 2–50 个字"})
    try:
        return text.checked(name, min_visible=2, one_line=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"name": str(exc)}) from None


def find(ident):
    """A key by id or by name (the CLI accepts either)."""
    row = db.session.get(Open311Key, int(ident)) if str(ident).isdigit() else None
    row = row or db.session.scalar(select(Open311Key).where(Open311Key.name == str(ident)))
    if row is None:
        raise NotFound(f"密钥 {ident} 不存在")
    return row


def revoke(ident, actor, now=None):
    row = find(ident)
    if row.revoked_at is not None:
        raise InvalidInput(f"密钥「{row.name}」已于此前吊销", code="already_revoked")
    before = _audited(row)
    row.revoked_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "open311_key", row.id, "revoke", before=before, after=_audited(row), now=row.revoked_at)
    return row


def _audited(row):
    return {"name": row.name, "prefix": row.prefix, "scope": row.scope,
            "status": "已吊销" if row.revoked_at else "有效"}


def authenticate(key, now=None):
    """The active key given, or 403 (unknown or revoked); notes when it was used."""
    row = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == digest(key))) if key else None
    if row is None:
        raise Forbidden("api_key 无效", code="invalid_api_key")
    if row.revoked_at is not None:
        raise Forbidden("api_key 已被吊销", code="revoked_api_key")
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= USED_RESOLUTION:
        row.last_used_at = now
        db.session.flush()
    return row


def settings():
    return db.session.get(Open311Settings, SETTINGS_ID) or Open311Settings(id=SETTINGS_ID, public_read=False)


def public_read():
    return settings().public_read


def set_public_read(value, actor, now=None):
    if not isinstance(value, bool):
        raise InvalidInput("公开读取只能是开启或关闭", details={"public_read": "应为 true 或 false"})
    row = settings()
    before = {"public_read": row.public_read}
    row.public_read, row.updated_at, row.updated_by_id = value, now or utcnow(), getattr(actor, "id", None)
    db.session.add(row)
    db.session.flush()
    if before["public_read"] != value:
        audit.record(actor, "open311", "settings", "update", before=before, after={"public_read": value},
                     now=row.updated_at)
    return row
