"""Hotspots computed by the scheduler every 15 minutes and stored, so that pages only read them."""
from datetime import datetime, timedelta

from sqlalchemy import JSON, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.reports import hotspots
from hotline.timeutil import UTCDateTime

DAYS = 7
LIMIT = 20
# Older snapshots serve nobody: the page shows the newest one.
KEEP = timedelta(days=1)


class HotspotSnapshot(db.Model):
    """The city's hotspots of the `days` days up to `as_of`, as hotspots.hotspots() returned them."""

    __tablename__ = "hotspot_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    days: Mapped[int]
    items: Mapped[list] = mapped_column(JSON)


def refresh(now):
    """The job: cluster the last week's tickets and store the result; drop day-old snapshots."""
    found = hotspots.hotspots(now, DAYS, limit=LIMIT)
    db.session.add(HotspotSnapshot(as_of=now, days=DAYS, items=found))
    db.session.execute(delete(HotspotSnapshot).where(HotspotSnapshot.as_of < now - KEEP))
    db.session.flush()
    return {"hotspots": len(found)}


def latest():
    return db.session.scalar(select(HotspotSnapshot).order_by(HotspotSnapshot.as_of.desc(),
                                                              HotspotSnapshot.id.desc()).limit(1))
