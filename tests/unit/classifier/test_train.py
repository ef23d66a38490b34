"""train, evaluate and read_csv."""

import pytest

from classifier import train as train_module
from classifier.errors import DataError
from classifier.train import assess, data_sha256, evaluate, expected_calibration_error, left_out_scarce, read_csv, train


def test_read_csv_joins_subject_text_and_address(tickets):
    texts, labels = tickets
    assert len(texts) == len(labels) == 35
    assert texts[0] == "物业不作为\n小区物业长期不打扫楼道，垃圾堆积没人管\n城东区东门街道幸福小区"
    assert texts[2] == "物业服务很差，电梯坏了一个月物业不修\n高新区麓谷街道"
    assert labels[0] == "物业管理"


def test_read_csv_needs_only_text_and_label(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("\ufefftext,label\n燃气费太贵,燃气\n", encoding="utf-8")
    assert read_csv(path) == (["燃气费太贵"], ["燃气"])


@pytest.mark.parametrize("content, message", [
    ("subject,text\n标题,内容\n", r"bad\.csv line 1: missing column\(s\) label"),
    ("text,label\n好好的,物业\n坏了,  \n", r"bad\.csv line 3: empty label"),
    ("subject,text,label\n,,物业\n", r"bad\.csv line 2: empty text"),
    ("text,label\n", r"bad\.csv has no data rows"),
    ('text,label\n"没有结束的引号,物业\n', r"bad\.csv line \d+: unexpected end of data"),
])
def test_read_csv_names_the_file_and_line_of_bad_rows(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_csv(path)


def test_read_csv_takes_a_row_with_a_subject_and_no_body(tmp_path):
    path = tmp_path / "subjects.csv"
    path.write_text("subject,text,label\n燃气表走字太快,,燃气\n,燃气灶打不着火,燃气\n", encoding="utf-8")
    assert read_csv(path) == (["燃气表走字太快", "燃气灶打不着火"], ["燃气", "燃气"])


BAD_ROWS = ("subject,text,address,label\n"
            "标题一,,,物业\n"                      # line 2: good, subject only
            ",,城西区,物业\n"                      # line 3: an address alone is no message
            '"引号"后面,内容,,物业\n'                # line 4: broken quoting
            "少了一列,物业\n"                       # line 5
            "标题,内容,,\n"                        # line 6: no label
            "\n"                                   # line 7: blank, ignored
            '"两行的\n标题",内容,,噪音\n')          # lines 8-9: good


def test_read_csv_stops_at_the_first_bad_row_with_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_ROWS, encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.csv line 3: empty text and subject"):
        read_csv(path)


def test_read_csv_skip_bad_lists_each_bad_row_by_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_ROWS, encoding="utf-8")
    texts, labels, skipped = read_csv(path, skip_bad=True)
    assert texts == ["标题一", "两行的\n标题\n内容"] and labels == ["物业", "噪音"]
    assert [line for line, _ in skipped] == [3, 4, 5, 6]
    assert skipped[0][1] == "empty text and subject" and skipped[3][1] == "empty label"
    assert "expected after" in skipped[1][1] and skipped[2][1] == "2 values for 4 columns"


def test_read_csv_skip_bad_with_nothing_left_is_an_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\n,物业\n内容,\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"no data rows that could be read \(2 skipped\)"):
        read_csv(path, skip_bad=True)


def test_read_csv_refuses_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="cannot read .*missing.csv"):
        read_csv(tmp_path / "missing.csv")


def test_read_csv_refuses_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,label\n物业乱收费,物业\n".encode("gbk"))
    with pytest.raises(DataError, match="cannot read .*gbk.csv"):
        read_csv(path)


def test_train_refuses_labels_with_too_few_examples(tickets):
    texts, labels = tickets
    with pytest.raises(DataError, match="fewer than 3 examples: 燃气"):
        train(texts + ["燃气费太贵", "燃气灶打不着"], labels + ["燃气", "燃气"])


def test_train_refuses_texts_and_labels_of_different_lengths(tickets):
    with pytest.raises(DataError, match="35 texts but 34 labels"):
        train(tickets[0], tickets[1][:-1])


def test_train_with_holdout_on_few_rows_cross_validates_every_row(tickets):
    model = train(*tickets, holdout=0.2)
    metrics = model.metrics
    # 35 rows are few: each is scored by one of 5 models fitted without it, and the model kept sees all.
    assert metrics["method"] == "cross_validation" and metrics["folds"] == 5 and metrics["holdout"] == 0.2
    assert metrics["n_samples"] == 35 and model.n_samples == 35
    assert sum(c["support"] for c in metrics["per_class"].values()) == 35
    assert 0 <= metrics["macro_f1"] <= 1 and 0 <= metrics["ece"] <= 1


def test_train_with_holdout_on_many_rows_scores_a_held_out_fifth(tickets, monkeypatch):
    monkeypatch.setattr(train_module, "CROSS_VALIDATE_BELOW", 20)
    model = train(*tickets, holdout=0.2)
    held_out = model.metrics["n_samples"]
    assert model.metrics["method"] == "holdout"
    assert 0.15 * 35 <= held_out <= 0.25 * 35 and model.n_samples == 35 - held_out
    refitted = train(*tickets, holdout=0.2, refit=True)
    assert refitted.n_samples == 35 and refitted.metrics["n_samples"] == held_out


def test_assess_holds_out_only_the_scored_texts_and_says_which(tickets, monkeypatch):
    texts, labels = tickets
    monkeypatch.setattr(train_module, "CROSS_VALIDATE_BELOW", 10)
    scored = [(t + "（新来电）", label) for t, label in zip(texts[:20], labels[:20], strict=True)]
    assessment = assess([t for t, _ in scored], [label for _, label in scored], fixed=(texts, labels))
    assert set(assessment.texts) <= {t for t, _ in scored} and 2 <= len(assessment.texts) <= 6
    assert assessment.metrics["n_samples"] == len(assessment.texts)
    # The judge learnt every fixed text and the scored texts it was not judged on.
    assert assessment.judge.n_samples == 35 + 20 - len(assessment.texts)
    again = evaluate(assessment.judge, assessment.texts, assessment.labels)
    assert again["macro_f1"] == assessment.metrics["macro_f1"]


def test_expected_calibration_error_of_a_hand_computed_case():
    confidences = [0.95, 0.91, 0.85, 0.82, 0.55, 0.05]
    correct = [True, False, True, True, False, False]
    # Bins [0.9, 1]: mean 0.93, 1 of 2 right; [0.8, 0.9): 0.835, 2 of 2; [0.5, 0.6): 0.55, 0 of 1;
    # [0, 0.1): 0.05, 0 of 1.
    expected = (2 * abs(0.93 - 0.5) + 2 * abs(0.835 - 1) + abs(0.55 - 0) + abs(0.05 - 0)) / 6
    assert expected_calibration_error(confidences, correct) == pytest.approx(expected) == pytest.approx(1.79 / 6)


def test_expected_calibration_error_bins_are_closed_on_the_left():
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0
    # 0.3 and 0.39 share the bin [0.3, 0.4): |0.345 - 0.5|, not (|0.3 - 1| + |0.39 - 0|) / 2.
    assert expected_calibration_error([0.3, 0.39], [True, False]) == pytest.approx(0.155)
    assert expected_calibration_error([0.7], [True], bins=2) == pytest.approx(0.3)


@pytest.mark.parametrize("confidences, correct", [([], []), ([0.5], [True, False]), ([1.2], [True])])
def test_expected_calibration_error_refuses_bad_input(confidences, correct):
    with pytest.raises(ValueError):
        expected_calibration_error(confidences, correct)


def test_left_out_scarce_drops_rare_labels_counting_fixed_rows():
    texts, labels, left_out = left_out_scarce(list("abcdefgh"), ["x"] * 5 + ["y"] * 2 + ["z"], also=["z"] * 4)
    assert left_out == {"y": 2} and labels == ["x"] * 5 + ["z"] and texts == list("abcdeh")


def test_data_hash_follows_texts_and_labels():
    assert data_sha256(["a", "b"], ["x", "y"]) == data_sha256(["a", "b"], ["x", "y"])
    assert data_sha256(["a", "b"], ["x", "y"]) != data_sha256(["a", "b"], ["y", "x"])
    assert data_sha256(["a\tb"], ["c"]) != data_sha256(["a"], ["b\tc"])


def test_evaluate_reports_scores_per_class_and_a_confusion_matrix(model):
    texts = ["物业不修电梯", "晚上施工噪音太大", "老板拖欠工资", "公积金提取太慢", "燃气灶坏了"]
    labels = ["物业管理", "噪音扰民", "欠薪", "住房公积金", "燃气"]
    report = evaluate(model, texts, labels)
    assert report["n_samples"] == 5
    # 燃气 is unknown to the model, so at most four of five can be right.
    assert report["accuracy"] == pytest.approx(0.8)
    names = report["confusion_matrix"]["labels"]
    assert names == sorted(set(model.labels) | {"燃气"})
    matrix = report["confusion_matrix"]["matrix"]
    assert len(matrix) == len(names) and sum(map(sum, matrix)) == 5
    assert matrix[names.index("欠薪")][names.index("欠薪")] == 1
    assert report["per_class"]["燃气"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["per_class"]["欠薪"]["support"] == 1 and report["per_class"]["欠薪"]["recall"] == 1.0
    assert 0 < report["macro_f1"] < 1
