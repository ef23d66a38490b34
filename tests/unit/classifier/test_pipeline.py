"""The scikit-learn pipeline and the text it reads."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from classifier.pipeline import NBLinearSVC, TextFeatures, analyze, build_pipeline, compose_text, headline


def test_compose_text_joins_the_non_empty_fields():
    assert compose_text(" 物业乱收费 ", "物业费涨价", "城东区幸福小区") == "物业乱收费\n物业费涨价\n城东区幸福小区"
    assert compose_text(None, "物业费涨价", "  ") == "物业费涨价"


def test_build_pipeline_refuses_unknown_options():
    with pytest.raises(TypeError, match="gamma"):
        build_pipeline(gamma=2)


@pytest.mark.parametrize("features", [["bigram"], [], ["word", "pinyin"]])
def test_fitting_refuses_unknown_feature_blocks(features, tickets):
    with pytest.raises(ValueError, match="features must be"):
        build_pipeline(features=features).fit(*tickets)


def test_headline_is_the_first_line_lower_cased():
    assert headline("KTV噪音扰民\n每晚十二点以后还在唱\n城东区") == "ktv噪音扰民"
    assert headline("只有内容") == "只有内容"


@pytest.mark.parametrize("features", [["word"], ["char"], ["headline"], ["word", "char", "headline"]])
def test_each_feature_set_learns_the_fixture(features, tickets):
    texts, labels = tickets
    pipeline = build_pipeline(features=features).fit(texts, labels)
    probabilities = pipeline.predict_proba(["小区物业乱收费，物业公司不管事", "老板拖欠工资不发"])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    assert list(pipeline.classes_[probabilities.argmax(axis=1)]) == ["物业管理", "欠薪"]


def test_without_calibration_the_pipeline_has_no_probabilities(tickets):
    pipeline = build_pipeline(calibration=None).fit(*tickets)
    assert not hasattr(pipeline, "predict_proba")
    assert pipeline.predict(["公积金怎么提取"])[0] == "住房公积金"


def test_each_feature_block_of_a_text_has_unit_length(tickets):
    features = TextFeatures().fit(tickets[0])
    matrix = features.transform(["物业乱收费\n小区物业费涨价，物业公司不公示"]).toarray()[0]
    blocks = features.block_of_column_
    assert sorted(set(blocks[matrix != 0])) == [0, 1, 2]
    for block in range(3):
        assert np.sum(matrix[blocks == block] ** 2) == pytest.approx(1)


def test_analyze_tags_word_char_and_headline_ngrams():
    grams = analyze("噪音扰民\n夜里", ["word", "char", "headline"], (1, 1), (2, 2))
    assert "w:噪音扰民" in grams and "c:噪音" in grams and "c:民 " in grams and "h:扰民" in grams
    assert "h:夜里" not in grams


def test_nb_scaling_chooses_the_classifier():
    assert isinstance(build_pipeline()[-1].estimator, NBLinearSVC)
    assert isinstance(build_pipeline(nb_scaling=False, calibration=None)[-1], LinearSVC)


def test_nb_linear_svc_scores_are_one_sparse_product(tickets):
    texts, labels = tickets
    pipeline = build_pipeline(calibration=None).fit(texts, labels)
    features, svm = pipeline[0], pipeline[-1]
    matrix = features.transform(["小区物业乱收费，物业公司不管事", "老板拖欠工资不发"])
    np.testing.assert_allclose(svm.decision_function(matrix), matrix @ svm.coef_.T + svm.intercept_)
    assert list(pipeline.predict(["小区物业乱收费，物业公司不管事", "老板拖欠工资不发"])) == ["物业管理", "欠薪"]
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.decision_function(texts), pipeline.decision_function(texts))


def test_nb_linear_svc_separates_two_labels():
    X = sp.csr_matrix(np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]], dtype=float))
    svm = NBLinearSVC(C=1.0).fit(X, ["a", "a", "b", "b"])
    assert svm.coef_.shape == (1, 3) and svm.decision_function(X).shape == (4,)
    assert list(svm.predict(X)) == ["a", "a", "b", "b"]
    with pytest.raises(ValueError, match="two labels"):
        NBLinearSVC().fit(X, ["a"] * 4)


def test_nb_linear_svc_favours_features_typical_of_a_label():
    # Feature 0 is in every "a" text only, feature 1 in every "b" text only, feature 2 everywhere.
    X = sp.csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1], [0, 0, 1]], dtype=float))
    svm = NBLinearSVC(C=1.0).fit(X, ["a", "a", "b", "b", "c"])
    assert svm.coef_.shape == (3, 3)
    assert svm.coef_[0, 0] > 0 > svm.coef_[0, 1] and svm.coef_[1, 1] > 0 > svm.coef_[1, 0]
    assert list(svm.predict(X)) == ["a", "a", "b", "b", "c"]


def test_block_weights_scale_each_blocks_length(tickets):
    features = TextFeatures(block_weights={"headline": 0.7, "word": 2.0}).fit(tickets[0])
    matrix = features.transform(["物业乱收费\n小区物业费涨价，物业公司不公示"]).toarray()[0]
    blocks = features.block_of_column_
    lengths = [np.sqrt(np.sum(matrix[blocks == block] ** 2)) for block in range(3)]
    assert lengths == pytest.approx([2.0, 1.0, 0.7])


@pytest.mark.parametrize("weights", [{"subject": 1.0}, {"headline": 0}, {"word": -1.0}])
def test_bad_block_weights_are_refused(tickets, weights):
    with pytest.raises(ValueError, match="block_weights"):
        TextFeatures(block_weights=weights).fit(tickets[0])


def test_the_shipped_pipeline_weighs_the_subject_below_the_body():
    assert build_pipeline().named_steps["features"].block_weights == {"headline": 0.7}
