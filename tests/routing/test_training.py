"""Nightly retraining from confirmed tickets, and the default model of a fresh install."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline import refresh
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.routing import registry, training
from tests.routing.conftest import CODES

TEXTS = {
    "property": "物业公司不打扫楼道，垃圾堆了好几天，物业费却照收",
    "noise": "楼下酒吧每天夜里音响开得很大，吵得没法睡觉",
    "gas_supply": "燃气表走字太快，这个月燃气费比平时多了一倍",
}


@pytest.fixture
def small_seed(monkeypatch):
    """Retrain on the six-category slice of the seed corpus, to keep the test quick."""
    texts, labels = training.seed_corpus()
    chosen = [(t, label) for t, label in zip(texts, labels, strict=True) if label in CODES]
    monkeypatch.setattr(training, "seed_corpus",
                        lambda: ([t for t, _ in chosen], [label for _, label in chosen]))


def confirm_tickets(factory, per_code=5):
    for code, text in TEXTS.items():
        category = db.session.scalar(select(Category).where(Category.code == code))
        for n in range(per_code):
            factory.ticket("accepted", content=f"{text}（第{n + 1}次反映）", category_id=category.id)


def test_confirmed_tickets_carry_final_category_and_department(factory):
    confirm_tickets(factory, per_code=1)
    factory.ticket("dispatched", content="还没签收的不算确认")
    texts, labels = training.confirmed_tickets("category")
    assert sorted(labels) == sorted(TEXTS)
    assert training.confirmed_tickets("department")[1] == ["housing"] * 3
    assert all("第1次反映" in text for text in texts)


def test_only_categories_a_person_gave_are_labels(factory):
    noise = db.session.scalar(select(Category.id).where(Category.code == "noise"))
    given = factory.ticket("received", content="楼下酒吧夜里太吵（话务员选了分类）", category_id=noise)
    suggested = factory.ticket("accepted", content="楼下酒吧夜里太吵（只有系统建议）")
    suggested.suggested_category_id = noise
    suggested.category_id = noise  # as if copied in without a person: category_confirmed stays False
    factory.ticket("invalid", content="骚扰电话，内容无效", category_id=noise)
    db.session.commit()
    texts, labels = training.confirmed_tickets("category")
    assert (texts, labels) == ([training.compose_text(None, given.content, given.address)], ["noise"])


def test_a_ticket_sent_back_is_no_department_label_until_signed_again(factory):
    returned = factory.ticket("return_requested", content="不属于本单位的诉求")
    assert training.confirmed_tickets("department") == ([], [])
    factory.act(returned, "dispatcher1", "approve_return", {})
    factory.act(returned, "dispatcher1", "dispatch", {"department_id": factory.department("water").id})
    assert training.confirmed_tickets("department") == ([], [])  # dispatched, not yet signed
    factory.act(returned, "dept_water", "sign", {})
    refused = factory.ticket("return_requested", content="退单被驳回，仍归本单位")
    factory.act(refused, "dispatcher1", "reject_return", {"reason": "属于本单位职责"})
    assert training.confirmed_tickets("department")[1] == ["water", "housing"]


def test_retrain_activates_a_model_that_is_not_worse(factory, active_model, small_seed):
    confirm_tickets(factory)
    report = training.retrain()
    db.session.commit()
    assert report["category"]["activated"] is True
    assert report["category"]["new_macro_f1"] >= report["category"]["active_macro_f1"]
    # 15 confirmed tickets are few: every one is scored, by cross-validation; the seed never is.
    assert report["category"]["held_out"] == 15 and report["category"]["method"] == "cross_validation"
    row = registry.active_row("category")
    assert row.version == report["category"]["version"] and row.source == "tickets"
    assert row.metrics["n_samples"] == 15 and 0 <= row.metrics["ece"] <= 1
    assert row.metrics["macro_f1"] == report["category"]["new_macro_f1"]
    assert "skipped" in report["department"]


def test_retrain_scores_the_active_model_on_the_candidates_held_out_tickets(
        factory, active_model, small_seed, monkeypatch):
    confirm_tickets(factory)
    active = registry.active_model("category")[1]
    seen = []

    def better_old_model(model, texts, labels):
        seen.append((model, list(texts), list(labels)))
        return {"macro_f1": 1.01}  # above any score the candidate can have

    monkeypatch.setattr(training, "evaluate", better_old_model)
    report = training.retrain()
    db.session.commit()
    assert report["category"]["activated"] is False and report["category"]["active_macro_f1"] == 1.01
    assert registry.active_row("category").version == active_model.version
    [(model, texts, labels)] = seen
    assert model is active
    assert sorted(labels) == sorted(training.confirmed_tickets("category")[1])
    assert sorted(texts) == sorted(training.confirmed_tickets("category")[0])


def signed_by(factory, code, content):
    ticket = factory.ticket("received", content=content)
    factory.act(ticket, "dispatcher1", "dispatch", {"department_id": factory.department(code).id})
    factory.act(ticket, f"dept_{code}", "sign", {})
    return ticket


def test_retrain_leaves_out_a_department_with_too_few_tickets(factory, active_model, small_seed, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_DEPARTMENT_MODEL_MIN", 10)
    confirm_tickets(factory)  # 15 signed by housing
    for n in range(6):
        signed_by(factory, "water", f"停水好几天了，自来水公司不来修（{n}）")
    for n in range(2):
        signed_by(factory, "gas", f"燃气管道老化需要更换（{n}）")
    db.session.commit()
    report = training.retrain()
    db.session.commit()
    department = report["department"]
    assert department["activated"] is True and department["left_out"] == {"gas": 2}
    row = registry.active_row("department")
    assert set(registry.active_model("department")[1].labels) == {"housing", "water"}
    assert row.metrics["n_samples"] == 21 and row.metrics["left_out"] == {"gas": 2}
    assert training.left_out_message(row.metrics) == "样本少于 5 条、未参加训练：gas（2 条）"


def test_model_train_department_leaves_out_rare_departments_instead_of_failing(factory, runner, small_seed):
    for n in range(6):
        signed_by(factory, "water", f"停水好几天了，自来水公司不来修（{n}）")
        signed_by(factory, "housing", f"物业不打扫楼道，垃圾成堆（{n}）")
    signed_by(factory, "gas", "燃气管道老化需要更换")
    db.session.commit()
    result = runner.invoke(args=["model", "train", "--kind", "department"])
    assert result.exit_code == 0, result.output
    assert "样本少于 5 条、未参加训练：gas（1 条）" in result.output
    output = json.loads(result.output.strip().splitlines()[-1])
    assert output["metrics"]["left_out"] == {"gas": 1} and output["n_samples"] == 12
    assert output["metrics"]["method"] == "cross_validation" and output["metrics"]["n_samples"] == 12


def test_model_train_department_with_one_department_says_why(factory, runner):
    for n in range(6):
        signed_by(factory, "water", f"停水好几天了，自来水公司不来修（{n}）")
    signed_by(factory, "gas", "燃气管道老化需要更换")
    db.session.commit()
    result = runner.invoke(args=["model", "train", "--kind", "department"])
    assert result.exit_code != 0
    assert "至少需要两个各有 5 条以上样本的类别" in result.output and "gas（1 条）" in result.output
    assert registry.models() == []


def test_retrain_without_confirmed_tickets_changes_nothing(ctx, active_model):
    report = training.retrain()
    assert report["category"] == {"skipped": "no confirmed tickets"}
    assert registry.active_row("category").version == active_model.version


def test_default_model_is_trained_once(ctx, small_seed):
    row = training.ensure_default_model()
    db.session.commit()
    assert row.active and row.source == "seed" and set(CODES) <= set(
        registry.active_model("category")[1].labels)
    assert training.ensure_default_model() is None


def _made_with_other_libraries(row):
    """Rewrite a saved model's metadata as if another scikit-learn had made it."""
    metadata_file = Path(row.path) / "metadata.json"
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    metadata["versions"]["scikit-learn"] = "0.1.0"
    metadata_file.write_text(json.dumps(metadata), encoding="utf-8")
    registry.loaded_models().models.clear()  # as in a worker started after the upgrade


def test_default_model_replaces_an_active_model_that_no_longer_loads(ctx, active_model, small_seed):
    _made_with_other_libraries(active_model)
    row = training.ensure_default_model()
    db.session.commit()
    assert row is not None and row.version != active_model.version
    assert registry.active_row("category").version == row.version
    assert registry.active_model("category")[1].labels


def test_default_model_replaces_an_active_model_of_an_older_pipeline(ctx, active_model, small_seed, caplog):
    metadata_file = Path(active_model.path) / "metadata.json"
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    del metadata["versions"]["pipeline"]  # as saved before the pipeline recorded its version
    metadata_file.write_text(json.dumps(metadata), encoding="utf-8")
    registry.loaded_models().models.clear()
    row = training.ensure_default_model()
    db.session.commit()
    assert row is not None and registry.active_row("category").version == row.version
    assert "other library or pipeline versions: pipeline None" in caplog.text


def test_intake_goes_on_without_a_model_that_no_longer_loads(api, active_model, app, caplog):
    _made_with_other_libraries(active_model)
    response = api("operator1").post("/classify", json={"content": "小区门口的路灯坏了好几天，晚上很黑"})
    assert response.status_code == 200, response.json
    assert response.json["manual"] is True and response.json["departments"] == []
    assert response.json["urgency"]["level"] == "normal"
    assert "cannot be loaded" in caplog.text and active_model.version in caplog.text


def test_activation_reaches_intake_within_the_refresh_interval(app, ctx, active_model, small_model, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_ROUTING_REFRESH_SECONDS", 30)
    clock = [5000.0]
    monkeypatch.setattr(refresh.time, "monotonic", lambda: clock[0])
    registry._active_rows.clear()
    assert registry.active_models()["category"][0] == active_model.version
    newer = registry.register(small_model, "category", "seed")
    registry.activate(newer.version)
    db.session.commit()
    clock[0] += 29
    assert registry.active_models()["category"][0] == active_model.version
    clock[0] += 2
    assert registry.active_models()["category"][0] == newer.version
    registry._active_rows.clear()


def test_model_train_from_a_file_skips_bad_rows_only_when_asked(runner, ctx, tmp_path):
    fixture = Path(__file__).resolve().parents[1] / "unit" / "classifier" / "fixtures" / "tickets.csv"
    path = tmp_path / "tickets.csv"
    path.write_text(fixture.read_text(encoding="utf-8").rstrip("\n") + "\n,,城东区,物业管理\n", encoding="utf-8")
    result = runner.invoke(args=["model", "train", "--data", str(path)])
    assert result.exit_code != 0 and "line 37: empty text and subject" in result.output
    assert registry.models() == []
    result = runner.invoke(args=["model", "train", "--data", str(path), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "已跳过第 37 行：empty text and subject" in result.output
    output = json.loads(result.output.strip().splitlines()[-1])
    assert output["skipped_rows"] == [{"line": 37, "reason": "empty text and subject"}]
    assert output["n_samples"] == 35 and output["source"] == "file" and output["metrics"]["n_samples"] == 35
    listed = runner.invoke(args=["model", "list"]).output
    assert output["version"] in listed and "ece=0." in listed and "n_held_out=35 (cross-validated)" in listed
