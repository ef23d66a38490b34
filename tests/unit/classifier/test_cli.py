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
