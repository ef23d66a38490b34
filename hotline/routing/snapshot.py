"""What intake routing reads on every call (categories, departments, the dispatch catalogue),
held in each process and re-read at most every HOTLINE_ROUTING_REFRESH_SECONDS.

These tables change a few times a year; reading them through the ORM on every suggestion cost
more than the classifier itself. An edit reaches suggestions within the refresh interval.
"""
from dataclasses import dataclass

from sqlalchemy import select

from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.refresh import Refreshed
from hotline.routing.models import CatalogueEntry, catalogue_assists


@dataclass(frozen=True)
class RoutingSnapshot:
    categories: dict  # code → {"id", "code", "name", "path"}
    departments: dict  # id → {"id", "code", "name"}
    department_ids: dict  # code → id
    parents: dict  # category id → parent id
    leads: dict  # (category id, area or None) → lead department id
    assists: dict  # (category id, area or None) → assisting department ids

    def entry_for(self, category_id, area):
        """(lead, assisting ids) of the catalogue entry for a category (or its nearest ancestor)
        in an area, else anywhere; (None, ()) when the catalogue has none."""
        node = category_id
        while node is not None:
            for key in ((node, area), (node, None)):
                if key in self.leads:
                    return self.leads[key], self.assists.get(key, ())
            node = self.parents.get(node)
        return None, ()

    def lead_for(self, category_id, area):
        return self.entry_for(category_id, area)[0]


def _load():
    rows = db.session.execute(select(Category.id, Category.parent_id, Category.code, Category.name)).all()
    parents = {row.id: row.parent_id for row in rows}
    names = {row.id: row.name for row in rows}

    def path(category_id):
        parts = []
        while category_id is not None:
            parts.append(names[category_id])
            category_id = parents[category_id]
        return " / ".join(reversed(parts))

    categories = {row.code: {"id": row.id, "code": row.code, "name": row.name, "path": path(row.id)}
                  for row in rows if row.code}
    departments = {row.id: {"id": row.id, "code": row.code, "name": row.name}
                   for row in db.session.execute(select(Department.id, Department.code, Department.name))}
    leads = {(row.category_id, row.area): row.lead_department_id for row in db.session.execute(
        select(CatalogueEntry.category_id, CatalogueEntry.area, CatalogueEntry.lead_department_id))}
    assists = {}
    for row in db.session.execute(
            select(CatalogueEntry.category_id, CatalogueEntry.area, catalogue_assists.c.department_id)
            .join(catalogue_assists, catalogue_assists.c.entry_id == CatalogueEntry.id)
            .order_by(catalogue_assists.c.department_id)):
        assists[row.category_id, row.area] = (*assists.get((row.category_id, row.area), ()), row.department_id)
    return RoutingSnapshot(categories, departments, {d["code"]: i for i, d in departments.items()}, parents, leads,
                           assists)


_snapshots = Refreshed("routing", _load)


def routing_snapshot():
    """This process's snapshot for the current app, re-read when older than the refresh interval."""
    return _snapshots.get()
