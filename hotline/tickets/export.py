"""The ticket list as an Excel workbook (the very filter on screen), with Chinese headers."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hotline import labels
from hotline.directory.calendar import local_tz
from hotline.text import for_spreadsheet
from hotline.tickets.deadlines import lateness

COLUMNS = (("工单编号", 18), ("受理时间", 17), ("渠道", 8), ("来电人", 12), ("来电号码", 15), ("诉求类型", 8),
           ("紧急程度", 8), ("标题", 24), ("诉求内容", 60), ("诉求地址", 30), ("所属区域", 10), ("诉求分类", 28),
           ("承办单位", 22), ("状态", 10), ("签收时限", 17), ("办结时限", 17), ("超期程度", 10), ("满意度", 10))
WHEN = "yyyy-mm-dd hh:mm"


def workbook(rows, departments, now):
    """rows: {"ticket", "name", "phone"} with the caller already masked for the viewer → .xlsx bytes."""
    tz = local_tz()
    book = Workbook()
    sheet = book.active
    sheet.title = "工单清单"
    sheet.append([title for title, _width in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        t = row["ticket"]
        sheet.append([for_spreadsheet(v) for v in (
            t.number, _local(t.created_at, tz), labels.CHANNELS.get(t.channel), row["name"], row["phone"],
            labels.TICKET_TYPES.get(t.type), labels.URGENCIES.get(t.urgency), t.subject, t.content, t.address,
            t.area, t.category.path if t.category else None, departments.get(t.department_id),
            labels.STATES.get(t.state), _local(t.sign_due_at, tz), _local(t.complete_due_at, tz),
            labels.LATENESS[lateness(t, now)], labels.SATISFACTIONS.get(t.satisfaction))])
        as_text(sheet[sheet.max_row])
    for index, (_title, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for column in ("B", "O", "P"):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=sheet[column + "1"].column,
                                       max_col=sheet[column + "1"].column):
            cell.number_format = WHEN
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def as_text(cells):
    """Text that starts with "=" stays text: a caller's words are never run as a formula."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def _local(moment, tz):
    # Excel has no time zones: write the centre's wall-clock time.
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None
