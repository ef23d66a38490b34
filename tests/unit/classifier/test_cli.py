"""python -m classifier train|evaluate, run as a user would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.__main__ import main

REPO = Path(__file__).resolve().parents[3]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "classifier", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_evaluate_prints_the_report_as_json(saved_model, tickets_csv):
    result = run_cli("evaluate", "--model", saved_model, "--data", tickets_csv)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"macro_f1", "accuracy", "per_class", "confusion_matrix"}
    assert 0.9 <= report["accuracy"] <= 1 and 0.9 <= report["macro_f1"] <= 1
    assert set(report["per_class"]) == {"物业管理", "噪音扰民", "欠薪", "公共交通", "住房公积金"}
    assert set(report["per_class"]["欠薪"]) == {"precision", "recall", "f1", "support"}
    assert report["per_class"]["欠薪"]["support"] == 7
    assert sum(map(sum, report["confusion_matrix"]["matrix"])) == 35


def test_train_writes_a_model_that_evaluate_can_load(tmp_path, tickets_csv):
    result = run_cli("train", "--data", tickets_csv, "--out", tmp_path / "m", "--holdout", "0")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n_samples"] == 35
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["metadata.json", "model.joblib"]


@pytest.mark.parametrize("args, message", [
    (["evaluate", "--model", "{tmp}/nowhere", "--data", "{csv}"], "no readable model"),
    (["evaluate", "--model", "{model}", "--data", "{tmp}/missing.csv"], "cannot read"),
    (["evaluate", "--model", "{model}", "--data", "{tmp}/bad.csv"], "missing column"),
    (["train", "--data", "{tmp}/bad.csv", "--out", "{tmp}/out"], "missing column"),
    (["train", "--data", "{csv}", "--out", "{tmp}/out", "--holdout", "0.7"], "--holdout"),
    (["train", "--data", "{csv}", "--out", "{tmp}/out", "--holdout", "0.1"], "--holdout"),
    (["predict"], "invalid choice"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, saved_model, tickets_csv, capsys, args, message):
    (tmp_path / "bad.csv").write_text("subject,content\n标题,内容\n", encoding="utf-8")
    try:
        status = main([a.format(tmp=tmp_path, csv=tickets_csv, model=saved_model) for a in args])
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    captured = capsys.readouterr()
    assert status == 2 and message in captured.err and captured.out == ""


def test_a_bad_file_gives_a_message_not_a_traceback(tmp_path, saved_model):
    result = run_cli("evaluate", "--model", saved_model, "--data", tmp_path / "missing.csv")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read") and "Traceback" not in result.stderr


def _with_bad_rows(tickets_csv, tmp_path):
    """The fixture's rows, with a subject-only row (line 37) and two bad rows (lines 38 and 39) added."""
    path = tmp_path / "with_bad.csv"
    path.write_text(Path(tickets_csv).read_text(encoding="utf-8").rstrip("\n")
                    + "\n物业乱收费，还不给发票,,,物业管理\n,,城东区,物业管理\n标题,内容,,\n", encoding="utf-8")
    return path


def test_train_stops_at_a_bad_row_with_its_line_and_writes_nothing(tmp_path, tickets_csv):
    result = run_cli("train", "--data", _with_bad_rows(tickets_csv, tmp_path), "--out", tmp_path / "m")
    assert result.returncode == 2
    assert "line 38: empty text and subject" in result.stderr and result.stdout == ""
    assert not (tmp_path / "m").exists()


def test_train_skip_bad_lists_the_bad_rows_and_trains_on_the_rest(tmp_path, tickets_csv):
    result = run_cli("train", "--data", _with_bad_rows(tickets_csv, tmp_path), "--out", tmp_path / "m",
                     "--skip-bad")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["skipped_rows"] == [{"line": 38, "reason": "empty text and subject"},
                                      {"line": 39, "reason": "empty label"}]
    # The subject-only row is a message of its own: 35 fixture rows + 1.
    assert report["n_samples"] == 36 and report["n_held_out"] == 36 and report["method"] == "cross_validation"
    assert 0 <= report["ece"] <= 1 and report["left_out"] == {}
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["metadata.json", "model.joblib"]


def test_train_leaves_out_a_label_with_too_few_rows(tmp_path, tickets_csv):
    path = tmp_path / "rare.csv"
    path.write_text(Path(tickets_csv).read_text(encoding="utf-8").rstrip("\n")
                    + "\n,燃气费太贵,,燃气\n,燃气灶打不着,,燃气\n", encoding="utf-8")
    result = run_cli("train", "--data", path, "--out", tmp_path / "m", "--holdout", "0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["left_out"] == {"燃气": "only 2 examples, fewer than 5"} and "燃气" not in report["labels"]
