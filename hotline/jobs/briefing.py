"""The daily briefing (日报): yesterday's volumes, lateness and satisfaction, stored per day."""
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from hotline.accountability.models import AccountabilityRecord
from hotline.directory.calendar import local_tz
from hotline.directory.models import Category, Department
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.extensions import db
from hotline.jobs.models import DailyBriefing
from hotline.notifications.models import Notification
from hotline.reports.hotspots import hotspots
from hotline.tickets.models import Assignment, Revisit, Ticket

# After downtime, missing briefings are made for at most this many past days.
CATCH_UP_DAYS = 7
TOP_CATEGORIES = 10
# Hot topics of the briefing: the week up to the end of the day, against the week before.
HOT_TOPIC_DAYS = 7
HOT_TOPICS = 5
SATISFIED = ("satisfied", "basically_satisfied")


def daily_briefing(now):
    """Store the briefing of every finished day since the last stored one (yesterday at least)."""
    tz = local_tz()
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    last = db.session.scalar(select(func.max(DailyBriefing.day)).where(DailyBriefing.day <= yesterday))
    first = yesterday if last is None else max(last + timedelta(days=1),
                                               yesterday - timedelta(days=CATCH_UP_DAYS - 1))
    days = [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]
    for day in days:
        db.session.add(DailyBriefing(day=day, created_at=now, data=build(day, tz)))
    db.session.flush()
    return {"days": [d.isoformat() for d in days]}


def build(day, tz):
    start = datetime.combine(day, time(), tz)
    end = start + timedelta(days=1)

    def between(column):
        return (column >= start) & (column < end)

    def counts(column, *where):
        rows = db.session.execute(select(column, func.count()).where(*where).group_by(column))
        return {key: n for key, n in rows if key is not None}

    created = between(Ticket.created_at)
    overdue = counts(AccountabilityRecord.kind, between(AccountabilityRecord.detected_at))
    revisits = counts(Revisit.satisfaction, between(Revisit.created_at))
    judged = sum(n for s, n in revisits.items() if s != "unreachable")
    return {
        "received": sum(counts(Ticket.channel, created).values()),
        "by_channel": counts(Ticket.channel, created),
        "by_type": counts(Ticket.type, created),
        "by_department": _named(Department, counts(
            Assignment.department_id, between(Assignment.started_at)), "name"),
        "top_categories": _named(Category, counts(Ticket.category_id, created), "path")[:TOP_CATEGORIES],
        "new_overdue": sum(overdue.values()),
        "new_overdue_by_deadline": overdue,
        # The sweep notifies every crossing into 严重超期 exactly once: its notices count them.
        "new_severely_overdue": db.session.scalar(select(func.count(Notification.id)).where(
            Notification.kind == "severely_overdue", between(Notification.created_at))),
        "revisits": revisits,
        "satisfaction_rate": (sum(revisits.get(s, 0) for s in SATISFIED) / judged) if judged else None,
        "hot_topics": [
            {key: spot[key] for key in ("area", "topic", "count", "previous_count", "trend", "heat")}
            for spot in hotspots(end, HOT_TOPIC_DAYS, limit=HOT_TOPICS)
        ],
    }


def _named(model, counted, label):
    rows = db.session.scalars(select(model).where(model.id.in_(counted))) if counted else []
    named = [{"id": row.id, "name": getattr(row, label), "count": counted[row.id]} for row in rows]
    return sorted(named, key=lambda item: (-item["count"], item["id"]))


def stored(day_text, user):
    if not user.is_centre_staff:
        raise Forbidden("日报仅供中心人员查看")
    try:
        day = datetime.strptime(day_text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{day_text}", details={"date": day_text}) from None
    briefing = db.session.get(DailyBriefing, day)
    if briefing is None:
        raise NotFound(f"{day} 的日报尚未生成")
    return {"day": briefing.day.isoformat(), "created_at": briefing.created_at.isoformat(),
            **briefing.data}
