"""The notifications page (/notifications): the user's own, their department's and their roles'."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from hotline.errors import InvalidInput
from hotline.extensions import db
from hotline.notifications import service
from hotline.timeutil import utcnow
from hotline.web import login_required

bp = Blueprint("notifications", __name__)
PER_PAGE = 20
ORDERS = {"unread": "未读在前", "newest": "最新在前"}


def _page_number():
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise InvalidInput("页码有误")
    return int(page)


@bp.get("/notifications")
@login_required
def index():
    order = request.args.get("order", "unread")
    if order not in ORDERS:
        raise InvalidInput("排序方式有误")
    page = db.paginate(service.for_user(g.user, unread_first=order == "unread"), page=_page_number(),
                       per_page=PER_PAGE, error_out=False, count=True)
    return render_template("notifications/index.html", page=page, order=order, orders=ORDERS)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    service.mark_read(notification_id, g.user, utcnow())
    db.session.commit()
    return redirect(request.referrer if _same_page(request.referrer) else url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = service.mark_all_read(g.user, utcnow())
    db.session.commit()
    flash(f"已将 {count} 条通知标为已读" if count else "没有未读通知", "success")
    return redirect(url_for("notifications.index"))


def _same_page(referrer):
    """Back to the very list (its page and order) the user clicked in, never elsewhere."""
    return bool(referrer) and referrer.startswith(request.host_url.rstrip("/") + url_for("notifications.index"))
