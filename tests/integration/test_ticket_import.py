"""`flask tickets import`: historical tickets checked as a whole, written outside the live workflow."""
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.accountability.models import AccountabilityRecord
from hotline.audit.models import AuditEntry
from hotline.directory.models import Category, Department
from hotline.extensions import db
from hotline.reports import daily
from hotline.reports.daily import ReportDay
from hotline.routing.training import confirmed_tickets
from hotline.tickets.import_rows import parse_time
from hotline.tickets.models import Assignment, Revisit, Ticket, TicketEvent, TicketSequence
from tests.integration.history_files import HEADER, directory, history_rows, write_csv, write_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSED = {"工单编号": "GD-0001", "受理时间": "2025-03-03 09:15", "来电人": "张先生", "来电号码": "13812345678",
          "诉求内容": "城西区金桂苑小区电梯坏了一个星期，物业一直不修", "标题": "电梯停运", "地址": "金桂苑小区7栋",
          "区域": "城西区", "类型": "投诉", "紧急程度": "一般", "分类": "城乡建设 / 物业管理 / 物业服务",
          "承办单位": "市住房和城乡建设局", "状态": "已办结", "办理结果": "已解决",
          "答复内容": "已督促物业更换电梯主板，电梯已恢复运行。", "办结时间": "2025-03-06 16:00", "满意度": "满意",
          "是否解决": "是"}
ANSWERED = {"工单编号": "GD-0002", "受理时间": "2025-03-04 10:00", "来电号码": "13912345678",
            "诉求内容": "咨询社保卡丢失后补办需要哪些材料", "类型": "咨询", "状态": "直接办结",
            "答复内容": "携带身份证到任一社保服务网点即可补办。"}


def run_import(runner, path, *args, user="admin"):
    return runner.invoke(args=["tickets", "import", str(path), "--user", user, *args])


def count(app, model=Ticket):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows_of(app, n, seed=14):
    with app.app_context():
        return list(history_rows(n, *directory(), seed=seed))


def error_lines(output):
    return {int(n): reason for n, reason in re.findall(r"第 (\d+) 行：(.*)", output)}


def test_file_with_three_bad_rows_imports_nothing_then_skip_bad_imports_the_rest_once(app, runner, tmp_path):
    rows = rows_of(app, 10_000)
    rows[1234]["受理时间"] = "2024-13-40 08:00"
    rows[5000]["诉求内容"] = "太短"
    rows[9998].update({"承办单位": "不存在的局", "状态": "已办结", "办结时间": "2024-12-30 10:00"})
    path = write_csv(tmp_path / "history.csv", rows)

    result = run_import(runner, path)
    assert result.exit_code == 1
    errors = error_lines(result.output)
    assert set(errors) == {1236, 5002, 10000}  # the header is line 1
    assert "受理时间" in errors[1236] and "2024-13-40 08:00" in errors[1236]
    assert "诉求内容：至少需要 5 个字符" in errors[5002]
    assert "不存在的局" in errors[10000]
    assert "未导入任何数据" in result.output
    assert count(app) == 0 and count(app, TicketSequence) == 0

    result = run_import(runner, path, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert set(error_lines(result.output)) == {1236, 5002, 10000}
    assert "已导入 9997 张工单" in result.output
    assert count(app) == 9997 and count(app, TicketEvent) == 9997

    result = run_import(runner, path, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "此前已导入 9997 张" in result.output and "已导入 0 张工单" in result.output
    assert count(app) == 9997


def test_closed_ticket_keeps_its_history(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "history.xlsx", [CLOSED, ANSWERED])
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    with app.app_context():
        closed = db.session.scalar(select(Ticket).where(Ticket.source_ref == "GD-0001"))
        assert closed.number == "20250303-000001"  # the day's own sequence
        assert closed.created_at == datetime(2025, 3, 3, 9, 15, tzinfo=SHANGHAI)
        assert closed.closed_at == closed.replied_at == datetime(2025, 3, 6, 16, 0, tzinfo=SHANGHAI)
        assert (closed.state, closed.outcome, closed.satisfaction, closed.resolved) == (
            "closed", "resolved", "satisfied", True)
        assert closed.department.code == "housing" and closed.final_department_id == closed.department_id
        assert closed.category.path == "城乡建设 / 物业管理 / 物业服务" and closed.category_confirmed
        assert closed.caller_phone == "13812345678" and closed.result.startswith("已督促物业")
        # No clock runs: the sweep has nothing to look at.
        assert closed.complete_due_at is None and closed.sign_next_at is None and closed.complete_next_at is None
        [spell] = closed.assignments
        assert spell.started_at == closed.created_at and spell.ended_at == closed.closed_at
        assert spell.end_reason == "revisited" and spell.complete_due_at > spell.started_at
        [revisit] = closed.revisits
        assert (revisit.satisfaction, revisit.created_at) == ("satisfied", closed.closed_at)
        [event] = closed.events
        assert (event.action, event.to_state, event.actor_name) == ("import", "closed", "admin")
        answered = db.session.scalar(select(Ticket).where(Ticket.source_ref == "GD-0002"))
        assert (answered.state, answered.department_id, answered.assignments) == ("answered", None, [])
        assert answered.answer.startswith("携带身份证") and answered.closed_at == answered.created_at
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
        assert audit.after["imported"] == 2 and audit.actor_name == "admin"


def test_xlsx_time_cells_and_csv_text_give_the_same_ticket(app, runner, tmp_path):
    row = dict(CLOSED, 受理时间=datetime(2025, 3, 3, 9, 15), 办结时间=datetime(2025, 3, 6, 16, 0))
    write_xlsx(tmp_path / "a.xlsx", [row])
    write_csv(tmp_path / "b.csv", [dict(CLOSED, 工单编号="GD-0003")])
    for name in ("a.xlsx", "b.csv"):
        assert run_import(runner, tmp_path / name).exit_code == 0
    with app.app_context():
        times = db.session.execute(select(Ticket.created_at, Ticket.closed_at).order_by(Ticket.id)).all()
    assert times[0] == times[1]


def test_column_mapping_names_other_headers(app, runner, tmp_path):
    header = ["受理日期", "问题描述", "类型", "主办部门", "办结时间", "备注"]
    row = {"受理日期": "2025-05-06 08:30", "问题描述": "江北区滨江花园门口的路灯连续五晚不亮", "类型": "求助",
           "主办部门": "urban_mgmt", "办结时间": "2025-05-08 17:00", "备注": "无"}
    path = write_csv(tmp_path / "other.csv", [row], header=header)

    result = run_import(runner, path)
    assert result.exit_code == 1 and "缺少必需的列：受理时间、诉求内容" in result.output
    result = run_import(runner, path, "--map", "受理日期=created_at", "--map", "问题描述=诉求内容",
                        "--map", "主办部门=承办单位")
    assert result.exit_code == 0, result.output
    assert "未使用的列：备注" in result.output
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.department.code == "urban_mgmt" and ticket.state == "closed"  # a department: closed
        assert ticket.source_ref.startswith("row:")  # no number in the file: a hash of the row
    assert "已导入 0 张工单" in run_import(runner, path, "--map", "受理日期=created_at", "--map",
                                          "问题描述=诉求内容", "--map", "主办部门=承办单位").output
    result = run_import(runner, path, "--map", "受理日期=不存在的字段")
    assert result.exit_code == 1 and "没有名为“不存在的字段”的字段" in result.output


def test_dry_run_checks_and_writes_nothing(app, runner, tmp_path):
    path = write_csv(tmp_path / "history.csv", rows_of(app, 50))
    result = run_import(runner, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "试运行，未写入数据，将导入 50 张" in result.output
    assert count(app) == count(app, TicketSequence) == count(app, ReportDay) == count(app, AuditEntry) == 0


@pytest.mark.parametrize(("change", "reason"), [
    ({"办结时间": "2025-03-01 10:00"}, "办结时间早于受理时间"),
    ({"受理时间": "2099-01-01 08:00", "办结时间": "2099-01-02 08:00"}, "晚于当前时间"),
    ({"状态": "办理中"}, "只能导入已办结、直接办结、无效的历史工单"),
    ({"分类": "不存在的分类"}, "没有编码或名称为“不存在的分类”的分类"),
    ({"来电号码": "138-abc"}, "来电号码：格式不正确"),
    ({"诉求内容": "电梯坏了\u202e很久了"}, "改变文字方向的控制字符"),
    ({"满意度": "很好"}, "满意度：“很好”不是可选值"),
    ({"承办单位": ""}, "已办结的工单必须填写承办单位"),
    ({"类型": ""}, "类型：必填"),
])
def test_bad_row_is_named_with_its_reason(app, runner, tmp_path, change, reason):
    path = write_csv(tmp_path / "history.csv", [ANSWERED, dict(CLOSED, **change)])
    result = run_import(runner, path)
    assert result.exit_code == 1
    errors = error_lines(result.output)
    assert list(errors) == [3] and reason in errors[3]
    assert count(app) == 0


def test_the_same_number_twice_in_a_file_is_an_error(app, runner, tmp_path):
    path = write_csv(tmp_path / "history.csv", [CLOSED, ANSWERED, dict(ANSWERED, 受理时间="2025-03-05 10:00")])
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert error_lines(result.output) == {4: "工单编号“GD-0002”与第 3 行重复"}


def test_only_admins_import(app, runner, tmp_path):
    path = write_csv(tmp_path / "history.csv", [CLOSED])
    result = run_import(runner, path, user="operator1")
    assert result.exit_code == 1 and "只有系统管理员可以导入历史工单" in result.output
    assert count(app) == 0


def test_imported_tickets_count_in_reports_for_their_own_dates(app, api, runner, tmp_path):
    unsatisfied = dict(CLOSED, 工单编号="GD-0003", 满意度="不满意", 是否解决="否")
    path = write_csv(tmp_path / "history.csv", [CLOSED, ANSWERED, unsatisfied])
    assert run_import(runner, path).exit_code == 0
    march = api("supervisor1").get("/reports/summary?from=2025-03-01&to=2025-03-31").json
    assert (march["received"], march["answered"], march["dispatched"]) == (3, 1, 2)
    assert march["satisfaction_rate"] == 0.5 and march["resolution_rate"] == 0.5
    assert march["overdue"] == 0
    day = api("supervisor1").get("/reports/summary?from=2025-03-04&to=2025-03-04").json
    assert (day["received"], day["answered"], day["dispatched"]) == (1, 1, 0)
    april = api("supervisor1").get("/reports/summary?from=2025-04-01&to=2025-04-30").json
    assert april["received"] == 0
    with app.app_context():
        housing = db.session.scalar(select(Department.id).where(Department.code == "housing"))
    league = api("supervisor1").get("/reports/departments?from=2025-03-01&to=2025-03-31").json
    row = next(r for r in league["items"] if r["department_id"] == housing)
    assert row["dispatched"] == 2


def test_imported_tickets_are_training_history(app, runner, tmp_path):
    assert run_import(runner, write_csv(tmp_path / "history.csv", [CLOSED, ANSWERED])).exit_code == 0
    with app.app_context():
        texts, departments = confirmed_tickets("department")
        assert departments == ["housing"] and "电梯坏了一个星期" in texts[0]
        texts, categories = confirmed_tickets("category")
        property_code = db.session.scalar(select(Category.code).where(Category.name == "物业管理"))
        assert categories == [property_code]


def test_history_raises_no_accountability_and_no_notices(app, runner, tmp_path):
    late = dict(CLOSED, 办结时间="2025-04-30 16:00")  # long past its five working days
    assert run_import(runner, write_csv(tmp_path / "history.csv", [late])).exit_code == 0
    result = runner.invoke(args=["jobs", "run", "deadline_sweep"])
    assert result.exit_code == 0, result.output
    assert count(app, AccountabilityRecord) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 1
        assert db.session.scalar(select(Assignment.replied_at > Assignment.complete_due_at))
        assert db.session.scalar(select(func.count()).select_from(Revisit)) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-01 08:30", datetime(2024, 3, 1, 0, 30, tzinfo=UTC)),
    ("2024/3/1 8:30:05", datetime(2024, 3, 1, 0, 30, 5, tzinfo=UTC)),
    ("2024年3月1日", datetime(2024, 2, 29, 16, 0, tzinfo=UTC)),
    ("2024-03-01T08:30:00+00:00", datetime(2024, 3, 1, 8, 30, tzinfo=UTC)),
    ("2024-03-01T08:30Z", datetime(2024, 3, 1, 8, 30, tzinfo=UTC)),
    (datetime(2024, 3, 1, 8, 30), datetime(2024, 3, 1, 0, 30, tzinfo=UTC)),
])
def test_times_without_offset_are_shanghai_time(text, expected):
    assert parse_time(text, SHANGHAI) == expected


@pytest.mark.parametrize("text", ["2024-02-30 08:00", "昨天下午", "1999-12-31 08:00", "2024-03-01 25:00"])
def test_impossible_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_time(text, SHANGHAI)


def test_header_matches_what_the_columns_document():
    from hotline.tickets.import_rows import HEADERS

    assert all(name in HEADERS for name in HEADER)


def test_report_rows_written_batch_by_batch_equal_a_recount(app, runner, tmp_path, monkeypatch):
    # Batches of 40: each batch writes the days it has finished counting, later ones add to them.
    monkeypatch.setattr("hotline.tickets.importer.CHUNK", 40)
    rows = rows_of(app, 300)
    rows[7].update({"满意度": "", "是否解决": ""})  # closed without a revisit
    assert run_import(runner, write_csv(tmp_path / "history.csv", rows)).exit_code == 0
    with app.app_context():
        def table():
            return {tuple(getattr(r, n) for n in daily.KEY): {n: round(getattr(r, n), 6) for n in daily.COUNTERS}
                    for r in db.session.scalars(select(ReportDay))}

        imported = table()
        assert sum(c["received"] for k, c in imported.items() if k[0] == "department") == 300
        daily.rebuild(db.session.connection())
        assert table() == imported
        db.session.rollback()
