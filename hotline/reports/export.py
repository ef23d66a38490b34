"""The report as one Excel workbook: summary, league table, overdue list, hotspots, definitions."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hotline.labels import ASSIGNMENT_KINDS, LATENESS, RECORD_STATUSES
from hotline.reports.definitions import METRICS, SUMMARY_FIELDS
from hotline.text import for_spreadsheet
from hotline.tickets.export import as_text

PERCENT = "0.00%"
WHEN = "yyyy-mm-dd hh:mm"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
LEAGUE_FIELDS = ("rank", "name", "score", *SUMMARY_FIELDS)
SEVERITY_LABELS = {"overdue": LATENESS["overdue"], "severely_overdue": LATENESS["severely_overdue"]}


def _sheet(book, title, headers, rows, formats=None, widths=None):
    """A sheet with a styled, frozen header row; `formats` maps column index to number format."""
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([for_spreadsheet(value) for value in row])
        as_text(sheet[sheet.max_row])
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = number_format
    for index, width in enumerate(widths or [14] * len(headers), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _rate_columns(fields, offset=0):
    return {i + offset: PERCENT for i, f in enumerate(fields) if METRICS[f].rate}


def _local(moment, tz):
    # Excel has no time zones: write local wall-clock time.
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def workbook(title, summary, league, overdue, hotspots, tz):
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "汇总", ["指标", "数值", "定义"],
           [[title, None, None]] + [[METRICS[f].name, summary[f], METRICS[f].definition]
                                    for f in SUMMARY_FIELDS],
           widths=[26, 14, 90])
    for index, field in enumerate(SUMMARY_FIELDS, 3):
        if METRICS[field].rate:
            book["汇总"].cell(row=index, column=2).number_format = PERCENT
    _sheet(book, "考评排名", [METRICS[f].name if f in METRICS else "承办单位" for f in LEAGUE_FIELDS],
           [[row[f] for f in LEAGUE_FIELDS] for row in league],
           formats=_rate_columns(LEAGUE_FIELDS[3:], 3), widths=[8, 24] + [12] * (len(LEAGUE_FIELDS) - 2))
    _sheet(book, "超期清单",
           ["工单编号", "承办单位", "派单类型", "区域", "诉求内容", "派单时间", "办结时限", "答复时间",
            "超期程度", "追责状态"],
           [[r["number"], r["name"], ASSIGNMENT_KINDS.get(r["kind"], r["kind"]), r["area"],
             r["content"][:300], _local(r["started_at"], tz), _local(r["complete_due_at"], tz),
             _local(r["replied_at"], tz), SEVERITY_LABELS.get(r["severity"], LATENESS["overdue"]),
             RECORD_STATUSES.get(r["status"], "未生成追责记录")] for r in overdue],
           formats={5: WHEN, 6: WHEN, 7: WHEN}, widths=[18, 24, 10, 10, 60, 18, 18, 18, 10, 16])
    _sheet(book, "热点", ["排名", "区域", "主题词", "工单数", "上期数量", "增减", "热度", "示例诉求"],
           [[h["rank"], h["area"], h["topic"], h["count"], h["previous_count"], h["trend"], h["heat"],
             h["example"]] for h in hotspots],
           widths=[8, 12, 30, 10, 10, 8, 10, 80])
    _sheet(book, "指标定义", ["指标", "定义"],
           [[m.name, m.definition] for m in METRICS.values()], widths=[26, 100])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()

