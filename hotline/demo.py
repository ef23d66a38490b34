"""A realistic demo city: departments, the category taxonomy and one user per role."""
import json
from pathlib import Path

from sqlalchemy import select

from hotline.auth.models import User
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.knowledge.models import KnowledgeArticle
from hotline.open311 import keys as open311_keys
from hotline.open311.models import Open311Key
from hotline.routing.catalogue import seed_catalogue
from hotline.tickets.workflow import Role

CITY_FILE = Path(__file__).parent / "directory" / "demo_city.json"
ARTICLES_FILE = Path(__file__).parent / "knowledge" / "articles.json"
DEMO_APP = "演示应用"
CENTRE_USERS = [
    ("admin", "系统管理员", {Role.ADMIN}),
    ("operator1", "话务员一号", {Role.OPERATOR}),
    ("dispatcher1", "派单审核员一号", {Role.DISPATCHER}),
    ("revisitor1", "回访员一号", {Role.REVISITOR}),
    ("supervisor1", "督办领导一号", {Role.SUPERVISOR}),
]


def load_city():
    return json.loads(CITY_FILE.read_text(encoding="utf-8"))


def seed_demo(password, open311_key=None):
    """Create what is missing; running it twice changes nothing."""
    city = load_city()
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    for spec in city["departments"]:
        if spec["code"] not in departments:
            area = spec.get("area")
            departments[spec["code"]] = Department(code=spec["code"], name=spec["name"], area=area,
                                                   kind=spec.get("kind", "district" if area else "municipal"))
            db.session.add(departments[spec["code"]])
    _seed_categories(city["categories"])
    db.session.flush()
    seed_catalogue(city)
    _seed_knowledge()
    users = {u.username for u in db.session.scalars(select(User))}
    for username, full_name, roles in CENTRE_USERS:
        if username not in users:
            _add_user(username, full_name, roles, password)
    for code, department in departments.items():
        if f"dept_{code}" not in users:
            _add_user(f"dept_{code}", f"{department.name}办理员", {Role.DEPARTMENT}, password,
                      department)
    db.session.flush()
    if open311_key:
        _seed_open311_key(open311_key)
    return len(departments)


def _seed_open311_key(key):
    """The demo civic app's Open311 key (HOTLINE_OPEN311_API_KEY), unless a key with that value exists."""
    if db.session.scalar(select(Open311Key.id).where(Open311Key.key_hash == open311_keys.digest(key))) is None:
        taken = db.session.scalar(select(Open311Key.id).where(Open311Key.name == DEMO_APP)) is not None
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        # Seeded like the demo users, without an audit row.
        db.session.add(Open311Key(name=f"{DEMO_APP}（{key[:8]}）" if taken else DEMO_APP,
                                  key_hash=open311_keys.digest(key), prefix=key[:8], scope="own",
                                  created_by_id=admin.id if admin else None))


def _seed_knowledge():
    if db.session.scalar(select(KnowledgeArticle.id).limit(1)) is not None:
        return
    categories = dict(db.session.execute(select(Category.code, Category.id)).all())
    for article in json.loads(ARTICLES_FILE.read_text(encoding="utf-8")):
        db.session.add(KnowledgeArticle(title=article["title"], body=article["body"],
                                        category_id=categories.get(article["category"])))


def _add_user(username, full_name, roles, password, department=None):
    user = User(username=username, full_name=full_name, department=department)
    user.roles = roles
    user.set_password(password)
    db.session.add(user)


def _seed_categories(tree, parent=None, level=1):
    for node in tree:
        if isinstance(node, str):
            node = {"name": node}
        category = db.session.scalar(
            select(Category).where(Category.parent_id == (parent.id if parent else None),
                                   Category.name == node["name"])
        ) if parent else db.session.scalar(
            select(Category).where(Category.parent_id.is_(None), Category.name == node["name"])
        )
        if category is None:
            category = Category(name=node["name"], code=node.get("code"), level=level, parent=parent)
            db.session.add(category)
            db.session.flush()
        _seed_categories(node.get("children", []), category, level + 1)
