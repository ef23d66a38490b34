"""What train does differently with many texts: a sample past max_texts, calibration on a held-out slice."""

from collections import Counter

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit

import classifier.train as train_module
from classifier.train import _sample, train


@pytest.fixture(scope="module")
def many(tickets):
    # 350 texts: each fixture ticket ten times, told apart by a number.
    texts, labels = tickets
    return [f"{text} 第{i}次" for i in range(10) for text in texts], labels * 10


def test_sample_keeps_every_label_its_share_and_the_order():
    labels = ["common"] * 900 + ["rare"] * 5 + ["middle"] * 95
    texts = [f"text {i}" for i in range(len(labels))]
    sampled_texts, sampled_labels = _sample(texts, labels, 200)
    counts = Counter(sampled_labels)
    assert counts["rare"] == 5  # fewer than MIN_SAMPLED_PER_LABEL: all kept
    assert counts["middle"] == 95
    assert counts["common"] == 180
    rows = [int(text.split()[1]) for text in sampled_texts]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert [labels[row] for row in rows] == sampled_labels
    assert _sample(texts, labels, 200) == (sampled_texts, sampled_labels)


def test_train_past_max_texts_fits_a_sample(many, monkeypatch):
    monkeypatch.setattr(train_module, "MIN_SAMPLED_PER_LABEL", 3)
    model = train(*many, max_texts=100)
    assert model.n_samples == 100
    assert model.labels == sorted(set(many[1]))
    assert train(*many, max_texts=None).n_samples == 350


def test_many_texts_are_calibrated_on_one_held_out_slice(many, monkeypatch):
    monkeypatch.setattr(train_module, "HELD_OUT_CALIBRATION_FROM", 300)
    model = train(*many)
    calibrated = model.pipeline.named_steps["classifier"]
    assert isinstance(calibrated.cv, StratifiedShuffleSplit) and calibrated.cv.n_splits == 1
    assert len(calibrated.calibrated_classifiers_) == 1
    svm = calibrated.calibrated_classifiers_[0].estimator
    assert svm.coef_.shape[0] == 5
    texts = ["物业不修电梯", "晚上施工噪音太大", "老板拖欠工资", "公积金提取太慢", "公交车不停站"]
    features = model.pipeline.named_steps["features"].transform(texts)
    # Temperature scaling keeps the SVM's ranking, so predictions are the SVM's own.
    # (With temperature scaling the SVM was fitted on label numbers, positions in classes_.)
    assert model.predict(texts) == calibrated.classes_[svm.predict(features)].tolist()
    probabilities = model.pipeline.predict_proba(texts)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    top_probabilities = np.argsort(-probabilities, axis=1)[:, :3]
    assert (top_probabilities == np.argsort(-svm.decision_function(features), axis=1)[:, :3]).all()


def test_few_texts_keep_the_cross_validated_calibration(tickets):
    calibrated = train(*tickets).pipeline.named_steps["classifier"]
    assert calibrated.cv == 3 and calibrated.ensemble is False
