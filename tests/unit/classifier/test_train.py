"""train, evaluate and read_csv."""

import pytest

from classifier.errors import DataError
from classifier.train import data_sha256, evaluate, read_csv, train


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


def test_train_with_holdout_scores_the_held_out_rows(tickets):
    model = train(*tickets, holdout=0.2)
    held_out = model.metrics["n_samples"]
    assert 0 < held_out < 35 and model.n_samples == 35 - held_out
    assert 0 <= model.metrics["macro_f1"] <= 1


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
