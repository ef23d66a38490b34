"""Admin calendar changes and the calendar_recompute job: deadlines, sweep marks, accountability
records, events and report counters of open tickets; the calendar CLI."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from hotline.accountability.models import AccountabilityRecord
from hotline.audit.models import AuditEntry
from hotline.directory import admin as directory
from hotline.directory import calendar
from hotline.directory.models import CalendarDay, CalendarRecompute, CalendarYear
from hotline.extensions import db
from hotline.jobs.runner import run_job
from hotline.jobs.sweep import deadline_sweep
from hotline.reports.daily import ReportDay
from hotline.tickets.models import TicketEvent

TZ = ZoneInfo("Asia/Shanghai")
DISPATCHED = datetime(2026, 12, 31, 10, 0, tzinfo=TZ)  # a Thursday, before 2027 is entered


def local(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _no_pending_recomputes(app):
    yield
    with app.app_context():
        db.session.execute(delete(CalendarRecompute))
        db.session.commit()


@pytest.fixture
def admin(factory):
    return factory.user("admin")


@pytest.fixture
def ticket(factory):
    """A complaint signed for on dispatch: 5 working days to complete, due 2027-01-07 10:00 Mon–Fri."""
    ticket = factory.ticket("accepted", now=DISPATCHED.astimezone(UTC), type="complaint")
    assert ticket.complete_due_at == local(2027, 1, 7, 10, 0)
    return ticket


def enter_new_year(admin):
    calendar.set_day(date(2027, 1, 1), {"kind": "holiday", "name": "元旦"}, admin)
    calendar.set_day(date(2027, 1, 9), {"kind": "workday", "name": "元旦调休上班"}, admin)
    db.session.commit()


def recompute(now):
    outcome = run_job("calendar_recompute", now.astimezone(UTC))
    db.session.expire_all()
    return outcome["result"]


def events(ticket):
    return db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.action == "recompute")).all()


def test_holiday_and_make_up_day_move_an_open_tickets_deadlines(ticket, admin):
    enter_new_year(admin)
    assert ticket.complete_due_at == local(2027, 1, 7, 10, 0), "the request itself recomputes nothing"
    result = recompute(local(2027, 1, 2, 9, 0))
    assert result["pending"] == 2 and result["tickets"] == 1
    # New Year's Day no longer counts; the Saturday make-up day counts towards the severe threshold.
    assert ticket.complete_due_at == local(2027, 1, 8, 10, 0)
    assert ticket.complete_warn_at == local(2027, 1, 7, 10, 0)
    assert ticket.complete_severe_at == local(2027, 1, 14, 10, 0)
    assert ticket.current_assignment.complete_due_at == ticket.complete_due_at
    assert ticket.sign_due_at == ticket.current_assignment.sign_due_at == local(2027, 1, 4, 10, 0)
    [event] = events(ticket)
    assert "办结时限 2027-01-07 10:00 → 2027-01-08 10:00" in event.note
    assert (event.actor_name, event.from_state, event.to_state) == ("system", "accepted", "accepted")
    assert db.session.scalar(select(func.count()).select_from(CalendarRecompute)
                             .where(CalendarRecompute.done_at.is_(None))) == 0


def test_the_job_does_nothing_when_nothing_is_pending_and_is_idempotent(ticket, admin):
    assert recompute(local(2027, 1, 2, 9, 0)) == {"pending": 0}
    enter_new_year(admin)
    recompute(local(2027, 1, 2, 9, 0))
    version = ticket.version
    calendar.request_recompute("again", admin)
    db.session.commit()
    assert recompute(local(2027, 1, 2, 9, 5))["pending"] == 1
    assert len(events(ticket)) == 1 and ticket.version == version


def test_an_approved_extension_is_kept(factory, ticket, admin):
    factory.act(ticket, "dept_housing", "request_extension", {"days": 2, "reason": "需要协调施工队"},
                now=DISPATCHED.astimezone(UTC))
    factory.act(ticket, "dispatcher1", "approve_extension", {}, now=DISPATCHED.astimezone(UTC))
    db.session.commit()
    assert ticket.complete_due_at == local(2027, 1, 11, 10, 0)
    enter_new_year(admin)
    recompute(local(2027, 1, 2, 9, 0))
    # Seven working days: Dec 31, Jan 4–8, the Saturday make-up day, and one hour of Jan 11.
    assert ticket.complete_due_at == local(2027, 1, 11, 10, 0)
    assert ticket.complete_warn_at == local(2027, 1, 8, 15, 42)


def test_a_warning_the_change_undoes_is_reset(ticket, admin):
    deadline_sweep(local(2027, 1, 6, 12, 0).astimezone(UTC))
    db.session.commit()
    assert ticket.complete_level == 1
    enter_new_year(admin)
    recompute(local(2027, 1, 6, 12, 0))
    assert ticket.complete_level == 0
    assert ticket.complete_next_at == local(2027, 1, 7, 10, 0)  # the new warning time


def test_a_record_the_change_makes_wrong_is_withdrawn(ticket, admin):
    deadline_sweep(local(2027, 1, 7, 12, 0).astimezone(UTC))
    db.session.commit()
    record = db.session.scalar(select(AccountabilityRecord).where(AccountabilityRecord.ticket_id == ticket.id))
    assert (record.kind, record.status, ticket.complete_level) == ("complete", "open", 2)
    enter_new_year(admin)
    recompute(local(2027, 1, 7, 12, 0))
    assert record.status == "withdrawn"
    assert ticket.complete_level == 1 and ticket.complete_next_at == local(2027, 1, 8, 10, 0)
    [event] = events(ticket)
    assert "撤销办结超期追责记录" in event.note and event.data["withdrawn"] == ["complete"]
    # The next sweep sees nothing to do before the new due time.
    assert deadline_sweep(local(2027, 1, 7, 12, 5).astimezone(UTC))["tickets"] == 0


def test_a_record_still_late_keeps_its_status_with_the_new_due_time(ticket, admin):
    deadline_sweep(local(2027, 1, 8, 12, 0).astimezone(UTC))
    db.session.commit()
    enter_new_year(admin)
    recompute(local(2027, 1, 8, 12, 0))
    record = db.session.scalar(select(AccountabilityRecord).where(AccountabilityRecord.ticket_id == ticket.id))
    assert record.status == "open" and record.due_at == local(2027, 1, 8, 10, 0)
    assert ticket.complete_level == 2


def test_the_report_counters_are_recounted(factory, ticket, admin):
    factory.act(ticket, "dept_housing", "reply", {"result": "已联系物业完成维修", "outcome": "resolved"},
                now=local(2027, 1, 7, 11, 0).astimezone(UTC))
    db.session.commit()
    before = db.session.scalar(select(func.sum(ReportDay.on_time)))
    assert not before, "replied after the Mon–Fri due time"
    enter_new_year(admin)
    recompute(local(2027, 1, 7, 12, 0))
    assert ticket.complete_due_at == local(2027, 1, 8, 10, 0)
    assert db.session.scalar(select(func.sum(ReportDay.on_time))) > 0, "now replied on time"


def test_changing_the_working_hours_queues_a_recompute(ctx, admin, app):
    directory.change_working_hours({"hours": "08:30-12:00,13:30-17:30"}, admin, app.config)
    [row] = calendar.pending_recomputes()
    assert row.requested_by == "admin" and "08:30-12:00" in row.reason
    db.session.rollback()


def test_setting_a_day_is_audited_and_marks_the_year_as_entered(ctx, admin):
    assert 2027 in calendar.missing_years(date(2026, 12, 1))
    calendar.set_day(date(2027, 1, 1), {"kind": "holiday", "name": "元旦"}, admin)
    assert calendar.missing_years(date(2026, 12, 1)) == []
    assert calendar.work_calendar().is_working_day(date(2027, 1, 1)) is False
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "calendar"))
    assert (entry.entity_id, entry.action, entry.after["name"]) == ("2027-01-01", "create", "元旦")
    calendar.set_day(date(2027, 1, 1), {"kind": "default"}, admin)
    assert db.session.get(CalendarDay, date(2027, 1, 1)) is None
    assert calendar.work_calendar().is_working_day(date(2027, 1, 1)) is True
    db.session.rollback()


def test_seeding_never_overwrites_an_admins_entries(ctx, admin):
    saturday = date(2026, 3, 14)
    calendar.set_day(saturday, {"kind": "workday", "name": "临时调休"}, admin)
    db.session.commit()
    assert calendar.seed_from_package() == []
    row = db.session.get(CalendarDay, saturday)
    assert (row.kind, row.source) == ("workday", "admin")
    assert db.session.get(CalendarYear, 2026).source == "package"


def test_package_names_are_shown_in_chinese(ctx):
    assert calendar.day_state(date(2026, 2, 17))["name"] == "春节"
    assert calendar.day_state(date(2026, 10, 1))["name"] == "国庆节"


GOOD_CSV = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n2027-02-11,法定节假日,春节\n"


def test_cli_imports_a_file_and_shows_the_year(app, runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    dry = runner.invoke(args=["calendar", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "检查通过" in dry.output
    with app.app_context():
        assert calendar.year_source(2027) is None
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "法定节假日 2 天，调休上班 1 天" in result.output
    shown = runner.invoke(args=["calendar", "show", "2027"])
    assert shown.exit_code == 0
    assert "2027-01-01 星期五  元旦" in shown.output and "2027-02-06 星期六  春节调休" in shown.output
    with app.app_context():
        assert calendar.year_source(2027) == "admin"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == "2027")) == "import"
        assert len(calendar.pending_recomputes()) == 1


def test_cli_reports_bad_lines_and_imports_nothing(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-06,rest,春节\n"
                    "2027-02-06,workday,春节调休\n2027-02-06,holiday,春节\n2027-01-01,holiday,元旦\n",
                    encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code != 0
    assert "第 2 行" in result.output and "2027-02-30" in result.output
    assert "第 3 行" in result.output and "rest" in result.output
    assert "第 5 行" in result.output and "已在第 4 行列为调休上班" in result.output
    assert "第 6 行" in result.output and "与第 1 行重复" in result.output
    assert "未导入任何数据" in result.output
    with app.app_context():
        assert calendar.year_source(2027) is None
        assert db.session.scalar(select(func.count()).select_from(CalendarDay)
                                 .where(CalendarDay.source == "admin")) == 0
        assert calendar.pending_recomputes() == []


def test_cli_show_says_when_a_year_is_missing(runner):
    result = runner.invoke(args=["calendar", "show", "2027"])
    assert result.exit_code == 0 and "尚未录入" in result.output


def test_cli_runs_the_job(runner):
    result = runner.invoke(args=["jobs", "run", "calendar_recompute", "--now", "2027-01-02T09:00"])
    assert result.exit_code == 0 and '"status": "ran"' in result.output
