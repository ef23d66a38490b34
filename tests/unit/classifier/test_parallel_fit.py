"""Fitting the text features with the texts analysed in worker processes gives the one-process result."""

import pickle
from functools import partial

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

import classifier.parallel as parallel
from classifier.parallel import fit_tfidf_in_processes, worth_parallel
from classifier.pipeline import TextFeatures, analyze

ANALYZER = partial(analyze, features=["word", "char", "headline"], word_ngrams=(1, 2), char_ngrams=(1, 3))


@pytest.fixture(scope="module")
def texts(tickets):
    # Repeated with a running number, so that some n-grams are rare and min_df has something to drop.
    return [f"{text}\n第{i}号" for i in range(4) for text in tickets[0]]


def _vectorizer(min_df):
    return TfidfVectorizer(analyzer=ANALYZER, min_df=min_df, sublinear_tf=True, norm=None)


@pytest.mark.parametrize("min_df", [1, 2, 5, 0.1])
def test_processes_fit_the_vectorizer_as_one_process_does(texts, min_df):
    alone = _vectorizer(min_df)
    expected = alone.fit_transform(texts)
    shared = _vectorizer(min_df)
    got = fit_tfidf_in_processes(shared, texts, n_jobs=2)
    assert shared.vocabulary_ == alone.vocabulary_
    np.testing.assert_allclose(shared.idf_, alone.idf_)
    np.testing.assert_allclose(got.toarray(), expected.toarray())
    new = ["小区电梯坏了物业不修", "晚上施工噪音太大"]
    np.testing.assert_allclose(shared.transform(new).toarray(), alone.transform(new).toarray())


def test_processes_refuse_a_min_df_that_leaves_no_terms(texts):
    with pytest.raises(ValueError, match="no terms remain"):
        fit_tfidf_in_processes(_vectorizer(10_000), texts, n_jobs=2)


def test_processes_refuse_options_the_merge_does_not_implement(texts):
    with pytest.raises(ValueError, match="callable analyzer"):
        fit_tfidf_in_processes(TfidfVectorizer(analyzer=ANALYZER, max_features=10), texts, n_jobs=2)


def test_only_many_texts_and_more_than_one_job_are_worth_processes():
    many = ["x"] * (2 * parallel.MIN_TEXTS_PER_JOB)
    assert worth_parallel(many, 2)
    assert not worth_parallel(many, 1) and not worth_parallel(many, None)
    assert not worth_parallel(many[:-1], 2)
    assert not worth_parallel(iter(many), 2)


def test_text_features_fitted_in_processes_match_and_pickle(texts, monkeypatch):
    expected = TextFeatures(n_jobs=1).fit_transform(texts)
    monkeypatch.setattr(parallel, "MIN_TEXTS_PER_JOB", 1)
    features = TextFeatures(n_jobs=2)
    got = features.fit_transform(texts)
    np.testing.assert_allclose(got.toarray(), expected.toarray())
    restored = pickle.loads(pickle.dumps(features))
    new = ["小区电梯坏了物业不修"]
    np.testing.assert_allclose(restored.transform(new).toarray(), features.transform(new).toarray())


def test_blocks_are_scaled_to_unit_length_slice_by_slice(texts):
    features = TextFeatures(n_jobs=1)
    whole = features.fit_transform(texts)
    counts = features.vectorizer_.transform(texts)
    sliced = features._normalize(counts, rows_per_slice=7)
    np.testing.assert_allclose(sliced.toarray(), whole.toarray())
    squares = sliced.multiply(sliced).tocsr()
    for row in range(squares.shape[0]):
        start, stop = squares.indptr[row], squares.indptr[row + 1]
        blocks = features.block_of_column_[squares.indices[start:stop]]
        lengths = np.bincount(blocks, weights=squares.data[start:stop])
        np.testing.assert_allclose(lengths[np.unique(blocks)], 1.0)
