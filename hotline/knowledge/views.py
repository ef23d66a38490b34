"""The knowledge base's admin pages (/admin/knowledge): list with search, create, edit, retire."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth.access import roles_required
from hotline.directory.models import Category, Department
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.knowledge import articles
from hotline.knowledge.forms import ArticleForm, SearchForm
from hotline.tickets.workflow import Role
from hotline.web import login_required, safe_next

bp = Blueprint("knowledge", __name__)

ADMINS_ONLY = "只有系统管理员可以维护知识库"
PER_PAGE = 20


def admin_page(view):
    return login_required(roles_required({Role.ADMIN}, ADMINS_ONLY)(view))


@bp.get("/admin/knowledge")
@admin_page
def index():
    form = SearchForm(request.args)
    q, status = (form.q.data, form.status.data) if form.validate() else (None, "all")
    day = articles.today()
    page = db.paginate(articles.listing(q, status, day), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("knowledge/index.html", form=form, page=page, day=day, names=_names())


@bp.route("/admin/knowledge/new", methods=["GET", "POST"])
@admin_page
def create():
    form = ArticleForm()
    if request.method == "GET" or not form.validate():
        return _edit_page(form, None, status=400 if request.method == "POST" else 200)
    try:
        article = articles.add(g.user, **form.values())
    except HotlineError as exc:
        db.session.rollback()
        return _edit_page(form, None, exc)
    db.session.commit()
    flash(f"已新增知识条目“{article.title}”", "success")
    return redirect(url_for("knowledge.index"))


@bp.route("/admin/knowledge/<int:article_id>", methods=["GET", "POST"])
@admin_page
def update(article_id):
    article = articles.get(article_id)
    form = ArticleForm(obj=article)
    if request.method == "GET" or not form.validate():
        return _edit_page(form, article, status=400 if request.method == "POST" else 200)
    try:
        articles.change(article_id, form.values(), g.user)
    except HotlineError as exc:
        db.session.rollback()
        return _edit_page(form, article, exc)
    db.session.commit()
    flash(f"已保存知识条目“{article.title}”", "success")
    return redirect(url_for("knowledge.index"))


@bp.post("/admin/knowledge/<int:article_id>/active")
@admin_page
def set_active(article_id):
    """Retire an article (active=0) or put it back (active=1); the list's buttons post here."""
    active = request.form.get("active") == "1"
    article = articles.change(article_id, {"active": active}, g.user)
    db.session.commit()
    flash(f"已{'重新启用' if active else '停用'}知识条目“{article.title}”", "success")
    return redirect(safe_next(request.form.get("back")) or url_for("knowledge.index"))


def _edit_page(form, article, error=None, status=None):
    return render_template("knowledge/edit.html", form=form, article=article, error=error,
                           day=articles.today()), status or (error.status if error else 200)


def _names():
    """Category paths and department names by id, for the list's columns."""
    return {"categories": {c.id: c.path for c in db.session.scalars(select(Category))},
            "departments": dict(db.session.execute(select(Department.id, Department.name)).tuples().all())}
