"""Exports hold whatever was stored: control characters and formulas never break or run (issue 13, finding 2)."""
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from hotline.reports import export
from hotline.reports.definitions import SUMMARY_FIELDS
from hotline.text import SPREADSHEET_CELL_LIMIT, for_csv, for_spreadsheet

STORED = "小区门口\x0b路灯坏了\x1f好几天"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def test_for_spreadsheet_drops_what_corrupts_a_file_and_keeps_the_rest():
    assert for_spreadsheet(STORED) == "小区门口路灯坏了好几天"
    assert for_spreadsheet("第一行\n第二行\t") == "第一行\n第二行\t"
    assert len(for_spreadsheet("字" * 40_000)) == SPREADSHEET_CELL_LIMIT
    assert for_spreadsheet(3) == 3 and for_spreadsheet(None) is None


def test_report_workbook_with_stored_control_characters_and_formulas_opens_and_shows_text():
    moment = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    overdue = [{"number": "20260302-000001", "name": "市水务局", "kind": "dispatch", "area": "A3区",
                "content": STORED, "started_at": moment, "complete_due_at": moment, "replied_at": None,
                "severity": "overdue", "status": None}]
    hotspots = [{"rank": 1, "area": "A3区\x0b", "topic": FORMULA, "count": 3, "previous_count": 1, "trend": 2,
                 "heat": 1.5, "example": STORED}]
    summary = {field: 0 for field in SUMMARY_FIELDS}
    data = export.workbook("2026年3月", summary, [], overdue, hotspots, ZoneInfo("Asia/Shanghai"))
    book = load_workbook(BytesIO(data))
    assert book["超期清单"]["E2"].value == "小区门口路灯坏了好几天"
    assert book["热点"]["B2"].value == "A3区"
    topic = book["热点"]["C2"]
    assert topic.value == FORMULA and topic.data_type == "s"  # shown as text, never run


def test_for_csv_marks_what_would_start_a_formula_as_text():
    for value in (FORMULA, "+86 138", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert for_csv(value) == "'" + value
    assert for_csv("电梯坏了 =1") == "电梯坏了 =1" and for_csv("2024-03-01") == "2024-03-01"
    assert for_csv(-3) == -3 and for_csv(None) is None and for_csv("") == ""
