"""The scikit-learn pipeline and the text it reads."""

import pickle
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier.pipeline import (
    NBLinearSVC,
    TextFeatures,
    TicketPipeline,
    analyze,
    build_pipeline,
    compose_text,
    headline,
)
from classifier.tokenize import tokenize

# Texts a model of the fixture has not seen: n-grams it knows, n-grams it does not, none, no text at all.
UNSEEN = ["小区物业乱收费，物业公司不管事\n城东区", "老板拖欠工资不发", "公交车太挤 ，  司机态度差", "ｘｙｚ", "", "\n"]


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


def test_analyze_lists_each_blocks_ngrams_shorter_first_in_order_of_position():
    assert analyze("噪音扰民\n夜里", ["headline"], (1, 1), (1, 2)) == [
        "h:噪", "h:音", "h:扰", "h:民", "h:噪音", "h:音扰", "h:扰民"]
    assert analyze("Ab  c", ["char"], (1, 1), (2, 3)) == ["c:ab", "c:b ", "c: c", "c:ab ", "c:b c"]
    text = "小区物业乱收费，物业公司不管事"
    words = tokenize(text)
    assert analyze(text, ["word", "headline"], (1, 2), (3, 3)) == (
        [f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        + [f"h:{text[i:i + 3]}" for i in range(len(text) - 2)])


def test_transform_builds_the_vectorizers_own_matrix(tickets):
    features = TextFeatures().fit(tickets[0])
    texts = UNSEEN + tickets[0]
    built, expected = features._tfidf(texts), features.vectorizer_.transform(texts)
    assert built.has_sorted_indices and built.shape == expected.shape
    np.testing.assert_array_equal(built.indptr, expected.indptr)
    np.testing.assert_array_equal(built.indices, expected.indices)
    np.testing.assert_array_equal(built.data, expected.data)
    # Each row holds the sublinear tf times the idf of every n-gram the vectorizer knows.
    vocabulary, idf = features.vectorizer_.vocabulary_, features.vectorizer_.idf_
    counts = Counter(gram for gram in features.vectorizer_.analyzer(UNSEEN[0]) if gram in vocabulary)
    row = built[0].toarray()[0]
    assert {column for column in np.flatnonzero(row)} == {vocabulary[gram] for gram in counts}
    for gram, n in counts.items():
        assert row[vocabulary[gram]] == pytest.approx((1 + np.log(n)) * idf[vocabulary[gram]])
    assert built[4].nnz == 0 and features.transform([""]).nnz == 0


def _two_labels(tickets):
    texts, labels = tickets
    kept = [i for i, label in enumerate(labels) if label in ("物业管理", "欠薪")]
    return [texts[i] for i in kept], [labels[i] for i in kept]


@pytest.mark.parametrize("case", ["default", "held-out slice", "plain svm", "two labels"])
def test_ticket_pipeline_probabilities_are_scikit_learns_bit_for_bit(tickets, case):
    texts, labels = _two_labels(tickets) if case == "two labels" else tickets
    pipeline = build_pipeline(**({"nb_scaling": False} if case == "plain svm" else {}))
    if case == "held-out slice":  # as train() calibrates from 50,000 texts on
        pipeline.set_params(classifier__cv=StratifiedShuffleSplit(1, test_size=8, random_state=0),
                            classifier__ensemble=True)
    pipeline.fit(texts, labels)
    assert isinstance(pipeline, TicketPipeline)
    for batch in (UNSEEN + texts, UNSEEN[:1], [""]):
        fast = pipeline.predict_proba(batch)
        np.testing.assert_array_equal(fast, Pipeline.predict_proba(pipeline, batch))
        np.testing.assert_allclose(fast.sum(axis=1), 1)
    assert list(pipeline.predict(UNSEEN[:2])) == list(pipeline.classes_[pipeline.predict_proba(UNSEEN[:2]).argmax(1)])


def test_ticket_pipeline_leaves_other_classifiers_to_scikit_learn(tickets):
    pipeline = build_pipeline(calibration="sigmoid").fit(*tickets)
    np.testing.assert_array_equal(pipeline.predict_proba(UNSEEN), Pipeline.predict_proba(pipeline, UNSEEN))
    restored = pickle.loads(pickle.dumps(build_pipeline().fit(*tickets)))
    assert isinstance(restored, TicketPipeline)
    np.testing.assert_array_equal(restored.predict_proba(UNSEEN), Pipeline.predict_proba(restored, UNSEEN))


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
