"""Open311 API keys, the public-read setting and where a request filed through Open311 was."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

import hotline.auth.models  # noqa: F401  (users must be mapped before keys refer to them)
from hotline.auth.models import User
from hotline.extensions import db
from hotline.timeutil import UTCDateTime, utcnow

SCOPES = {"own": "仅本密钥提交的诉求", "all": "全部诉求（举报类除外）"}


class Open311Key(db.Model):
    """A civic app's key. Only the key's SHA-256 is stored; the key itself is shown once, at creation."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so that an admin can tell keys apart without the key.
    prefix: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(8), default="own")  # own | all (SCOPES)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self):
        return self.revoked_at is None

    def to_dict(self):
        return {"id": self.id, "name": self.name, "prefix": self.prefix, "scope": self.scope,
                "created_by": self.created_by.username if self.created_by else None,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None}


class Open311Settings(db.Model):
    """The one row of Open311 settings: whether anyone may read requests without a key."""

    __tablename__ = "open311_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_read: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Open311Location(db.Model):
    """Where a request filed through Open311 is (lat/long, WGS84) and its media URL; the ticket keeps the
    address text."""

    __tablename__ = "open311_locations"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, autoincrement=False)
    lat: Mapped[float | None]
    long: Mapped[float | None]
    media_url: Mapped[str | None] = mapped_column(String(500))
