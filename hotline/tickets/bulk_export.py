"""Exporting tickets (`flask --app wsgi tickets export`): the API list's filters and the API's ticket
fields, as CSV, JSON Lines or .xlsx, streamed in constant memory.

Rows come through the API's own list query (service.ticket_list) and serializer (serialize.ticket_dict):
a department user's export holds what that department may see, masked as the API masks it. The
query is read in batches (yield_per: a server-side cursor on PostgreSQL) with each batch's
assignments, extensions and merge targets loaded in one query per batch, and written as it is
read: a workbook in openpyxl's write-only mode.
"""
import csv
import json

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from hotline.api.models import TicketQuery
from hotline.extensions import db
from hotline.text import for_csv, for_spreadsheet
from hotline.tickets import schemas, service
from hotline.tickets.export import as_text
from hotline.tickets.models import Ticket
from hotline.tickets.serialize import ticket_dict

FORMATS = ("csv", "xlsx", "jsonl")
BATCH = 1000
# List parameters that page the API's answer; an export has every row instead.
PAGING = ("page", "per_page")
FILTERS = tuple(name for name in TicketQuery.model_fields if name not in PAGING)


class CentreView:
    """The viewer of an export run by no one in particular: the whole centre, masked as the API
    masks every caller's phone and ID number."""

    is_centre_staff = True
    department_id = None


def parse_filters(given):
    """The list query of the given filters {name: text}, validated as GET /tickets validates them."""
    return schemas.parse(TicketQuery, {name: value for name, value in given.items() if value is not None})


def tickets(viewer, query, now, batch=BATCH):
    """The API dicts of every ticket the viewer may see that matches the query, in its order."""
    # ticket_list loads what each answer reads, a batch at a time (yield_per).
    stmt = service.ticket_list(viewer, query, now).execution_options(yield_per=batch)
    for ticket in db.session.scalars(stmt):
        yield ticket_dict(ticket, viewer, now)


def columns(now):
    """The fields of an API ticket in its order, suggestions last (not every ticket has them)."""
    return [*ticket_dict(Ticket(suggestions={}), CentreView(), now)]


def write(items, fmt, out, now, progress=None):
    """Write the dicts to `out` (a text stream for csv and jsonl, a binary one for xlsx); the count."""
    writer = WRITERS[fmt](out, columns(now))
    count = 0
    for item in items:
        writer.add(item)
        count += 1
        if progress and count % 10_000 == 0:
            progress(count)
    writer.finish()
    return count


def _text(value):
    """A field as CSV text: lists and objects as JSON, booleans as in JSON, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class _Csv:
    def __init__(self, out, names):
        self.names, self.writer = names, csv.writer(out)
        self.writer.writerow(names)

    def add(self, item):
        # A caller's words may start like a formula: a spreadsheet opening the file must not run them.
        self.writer.writerow([for_csv(_text(item.get(name))) for name in self.names])

    def finish(self):
        pass


class _Jsonl:
    def __init__(self, out, names):
        self.out = out

    def add(self, item):
        self.out.write(json.dumps(item, ensure_ascii=False) + "\n")

    def finish(self):
        pass


class _Xlsx:
    def __init__(self, out, names):
        self.out, self.names = out, names
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("工单")
        self.sheet.append(names)

    def add(self, item):
        self.sheet.append([self._cell(item.get(name)) for name in self.names])

    def _cell(self, value):
        if value is None:
            return None
        value = for_spreadsheet(_text(value))
        if isinstance(value, str) and value.startswith("="):
            # Text that looks like a formula stays text: a caller's words are never run.
            cell = WriteOnlyCell(self.sheet, value)
            as_text([cell])
            return cell
        return value

    def finish(self):
        self.book.save(self.out)


WRITERS = {"csv": _Csv, "jsonl": _Jsonl, "xlsx": _Xlsx}
