"""The dispatch catalogue (派单目录): which department leads a category of request in an area."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.audit import service as audit
from hotline.directory.models import Category, Department
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.extensions import db
from hotline.routing.models import CatalogueEntry

DUPLICATE_ENTRY = "该分类在该区域已有派单目录条目，请修改原条目"


def entries(category_id=None, area=None):
    """Entries ordered by category code, "any area" first; area "any" picks those alone."""
    statement = select(CatalogueEntry).join(CatalogueEntry.category).order_by(
        Category.code, CatalogueEntry.area.is_not(None), CatalogueEntry.area)
    if category_id is not None:
        statement = statement.where(CatalogueEntry.category_id == category_id)
    if area == "any":
        statement = statement.where(CatalogueEntry.area.is_(None))
    elif area is not None:
        statement = statement.where(CatalogueEntry.area == area)
    return db.session.scalars(statement).all()


def snapshot(entry):
    return {"category_id": entry.category_id, "area": entry.area, "lead_department_id": entry.lead_department_id,
            "assisting_department_ids": sorted(d.id for d in entry.assisting)}


def add_entry(category_id, area, lead_id, assisting_ids, actor=None):
    """A new entry; a second one for the same category and area is a 409."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"分类 {category_id} 不存在", code="unknown_category")
    lead, assisting = _departments(lead_id, assisting_ids)
    area_matches = CatalogueEntry.area.is_(None) if area is None else CatalogueEntry.area == area
    if db.session.scalar(select(CatalogueEntry.id).where(
            CatalogueEntry.category_id == category.id, area_matches)) is not None:
        raise Conflict(DUPLICATE_ENTRY, code="duplicate_entry")
    entry = CatalogueEntry(category=category, area=area, lead=lead, assisting=assisting)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # another admin added the same pair a moment ago
        raise Conflict(DUPLICATE_ENTRY, code="duplicate_entry") from None
    audit.record(actor, "catalogue", entry.id, "create", None, snapshot(entry))
    return entry


def change_entry(entry_id, lead_id=None, assisting_ids=None, actor=None):
    """Change the lead and/or the assisting departments; what is not given stays."""
    entry = _entry(entry_id)
    before = snapshot(entry)
    lead_id = lead_id or entry.lead_department_id
    if assisting_ids is None:
        assisting_ids = [d.id for d in entry.assisting if d.id != lead_id]
    entry.lead, entry.assisting = _departments(lead_id, assisting_ids)
    db.session.flush()
    audit.record(actor, "catalogue", entry.id, "update", before, snapshot(entry))
    return entry


def remove_entry(entry_id, actor=None):
    entry = _entry(entry_id)
    audit.record(actor, "catalogue", entry.id, "delete", snapshot(entry), None)
    db.session.delete(entry)
    db.session.flush()


def _entry(entry_id):
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        raise NotFound(f"派单目录条目 {entry_id} 不存在")
    return entry


def _departments(lead_id, assisting_ids):
    """The lead and assisting departments, refusing unknown, inactive or repeated ones."""
    if lead_id in assisting_ids or len(set(assisting_ids)) != len(assisting_ids):
        raise InvalidInput("协办单位不能重复，也不能与主办单位相同", code="duplicate_department")
    wanted = {lead_id, *assisting_ids}
    found = {d.id: d for d in db.session.scalars(
        select(Department).where(Department.id.in_(wanted), Department.active))}
    missing = sorted(wanted - set(found))
    if missing:
        raise InvalidInput(f"部门 {', '.join(map(str, missing))} 不存在或已停用",
                           details={"department_ids": missing}, code="unknown_department")
    return found[lead_id], [found[i] for i in assisting_ids]


def seed_catalogue(city):
    """Entries for the demo city; districts lead the categories marked district_lead."""
    if db.session.scalar(select(CatalogueEntry.id).limit(1)) is not None:
        return 0
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    districts = [d for d in departments.values() if d.area]
    categories = {c.code: c for c in db.session.scalars(select(Category).where(Category.code.is_not(None)))}
    added = 0
    for group in city["categories"]:
        for spec in group["children"]:
            category = categories[spec["code"]]
            lead = departments[spec["lead"]]
            assisting = [departments[code] for code in spec.get("assist", [])]
            db.session.add(CatalogueEntry(category=category, area=None, lead=lead, assisting=assisting))
            added += 1
            if spec.get("district_lead"):
                for district in districts:
                    db.session.add(CatalogueEntry(category=category, area=district.area,
                                                  lead=district, assisting=[lead]))
                    added += 1
    db.session.flush()
    return added
