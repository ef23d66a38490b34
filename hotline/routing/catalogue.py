"""The dispatch catalogue: which department leads a category of request in an area."""
from sqlalchemy import select

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.routing.models import CatalogueEntry


def route(category, area):
    """The entry for the category (or its nearest ancestor) in the area, else for anywhere."""
    node = category
    while node is not None:
        entries = {e.area: e for e in db.session.scalars(
            select(CatalogueEntry).where(CatalogueEntry.category_id == node.id))}
        entry = entries.get(area) or entries.get(None)
        if entry is not None:
            return entry
        node = node.parent
    return None


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
