"""`flask tickets export`: the API list's filters and fields, streamed, masked for department users."""
import csv
import json

import pytest
from openpyxl import load_workbook

from hotline.extensions import db
from hotline.tickets import bulk_export
from hotline.tickets.models import Ticket
from hotline.timeutil import utcnow
from tests.integration.history_files import directory, history_rows, write_csv


@pytest.fixture
def history(app, runner, tmp_path):
    """60 imported tickets of 2024, and one live ticket dispatched to housing."""
    with app.app_context():
        rows = list(history_rows(60, *directory(), seed=3))
    result = runner.invoke(args=["tickets", "import", str(write_csv(tmp_path / "h.csv", rows)), "--user", "admin"])
    assert result.exit_code == 0, result.output
    return rows


def export(runner, tmp_path, fmt, *args):
    path = tmp_path / f"out.{fmt}"
    result = runner.invoke(args=["tickets", "export", "--format", fmt, "--output", str(path), *args])
    assert result.exit_code == 0, result.output
    return path


def read(path):
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    # A read-only sheet leaves out the empty cells that end a row.
    return [dict(zip(header, (*row, *[None] * (len(header) - len(row))), strict=True)) for row in rows]


def api_items(api, username, query=""):
    items, page = [], 1
    while True:
        body = api(username).get(f"/tickets?per_page=100&page={page}{query}").json
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


def test_every_format_parses_back_to_the_api_tickets(app, api, runner, tmp_path, history):
    expected = api_items(api, "supervisor1")
    assert len(expected) == 60
    jsonl = read(export(runner, tmp_path, "jsonl"))
    assert [t["number"] for t in jsonl] == [t["number"] for t in expected]  # the API's order: newest first
    assert [{k: v for k, v in t.items() if k != "updated_at"} for t in jsonl] == [
        {k: v for k, v in t.items() if k != "updated_at"} for t in expected]
    for fmt in ("csv", "xlsx"):
        rows = read(export(runner, tmp_path, fmt))
        assert list(rows[0]) == bulk_export.columns(utcnow())
        assert [r["number"] for r in rows] == [t["number"] for t in expected]
        first = rows[0]
        assert first["content"] == expected[0]["content"] and first["caller_phone"] == expected[0]["caller_phone"]
        assert first["created_at"] == expected[0]["created_at"]
        assert first["assisting_department_ids"] == "[]"


def test_department_export_holds_what_the_department_sees_masked(app, api, runner, tmp_path, history, factory):
    live = factory.ticket("dispatched", caller_phone="13700001111")  # dispatched to housing
    db.session.commit()
    rows = read(export(runner, tmp_path, "jsonl", "--as", "dept_housing"))
    expected = api_items(api, "dept_housing")
    assert [r["number"] for r in rows] == [t["number"] for t in expected]
    assert live.number in [r["number"] for r in rows]
    assert next(r for r in rows if r["number"] == live.number)["caller_phone"] == "137****1111"
    assert {r["department_id"] for r in rows} == {live.department_id}
    assert all("****" in r["caller_phone"] for r in rows)
    assert len(read(export(runner, tmp_path, "jsonl"))) == 61


@pytest.mark.parametrize("query", [
    {"state": "answered"},
    {"created_from": "2024-03-01", "created_to": "2024-06-30"},
    {"area": "城西区", "type": "complaint"},
    {"q": "路灯"},
    {"q": "LS0300000005"},  # an imported ticket by its original number
])
def test_filters_are_the_api_filters(app, api, runner, tmp_path, history, query):
    args = [part for name, value in query.items() for part in (f"--{name.replace('_', '-')}", value)]
    rows = read(export(runner, tmp_path, "csv", *args))
    expected = api_items(api, "supervisor1", "".join(f"&{k}={v}" for k, v in query.items()))
    assert [r["number"] for r in rows] == [t["number"] for t in expected]
    assert 0 < len(rows) < 60


def test_bad_filters_and_missing_output_are_refused(app, runner, tmp_path):
    result = runner.invoke(args=["tickets", "export", "--state", "bogus"])
    assert result.exit_code == 1 and "筛选条件有误：--state" in result.output
    result = runner.invoke(args=["tickets", "export", "--format", "xlsx"])
    assert result.exit_code == 1 and "须用 --output" in result.output
    result = runner.invoke(args=["tickets", "export", "--as", "nobody"])
    assert result.exit_code == 1 and "用户 nobody 不存在" in result.output


def test_export_streams_in_batches(app, history):
    """Reading the first ticket loads one batch, not the whole result."""
    with app.app_context():
        viewer = bulk_export.CentreView()
        items = bulk_export.tickets(viewer, bulk_export.parse_filters({}), utcnow(), batch=10)
        first = next(items)
        loaded = [obj for obj in db.session.identity_map.values() if isinstance(obj, Ticket)]
        assert first["number"] and len(loaded) <= 10
        assert len(list(items)) == 59


def test_csv_cells_that_would_run_as_formulas_stay_text(app, runner, tmp_path, factory):
    formula = '=HYPERLINK("http://evil.example","点我")电梯坏了一个星期'
    ticket = factory.ticket("received", content=formula, subject="+1 电梯停运", caller_name="@SUM(A1)",
                            address="-金桂苑小区7栋")
    rows = read(export(runner, tmp_path, "csv"))
    [row] = [r for r in rows if r["number"] == ticket.number]
    assert row["content"] == "'" + formula
    assert (row["subject"], row["caller_name"], row["address"]) == ("'+1 电梯停运", "'@SUM(A1)", "'-金桂苑小区7栋")
    assert row["created_at"] == ticket.created_at.isoformat() and row["version"] == str(ticket.version)
    cell = load_workbook(export(runner, tmp_path, "xlsx"), read_only=False).worksheets[0]
    header = [c.value for c in cell[1]]
    content = cell.cell(row=2, column=header.index("content") + 1)
    assert content.value == formula and content.data_type == "s"  # xlsx: a text cell, as written


def test_imported_tickets_carry_their_original_number_and_import_time(app, api, runner, tmp_path, history):
    [item] = api_items(api, "supervisor1", "&q=LS0300000005")
    assert item["source_ref"] == "LS0300000005" and item["imported_at"] is not None
    detail = api("supervisor1").get(f"/tickets/{item['number']}").json
    assert (detail["source_ref"], detail["imported_at"]) == (item["source_ref"], item["imported_at"])
    [row] = [r for r in read(export(runner, tmp_path, "jsonl")) if r["number"] == item["number"]]
    assert (row["source_ref"], row["imported_at"]) == (item["source_ref"], item["imported_at"])
    assert "source_ref" in bulk_export.columns(utcnow()) and "imported_at" in bulk_export.columns(utcnow())
