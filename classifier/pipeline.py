"""The scikit-learn pipeline from a ticket's raw text to a label with calibrated probabilities."""

import re
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from classifier.tokenize import tokenize

# Chosen by 5-fold grouped cross-validation on real citizen messages (bench/classifier_eval.py).
DEFAULTS = {
    "features": ["word", "char", "headline"],
    "word_ngrams": [1, 2],
    "char_ngrams": [1, 3],
    # Dropping n-grams seen in one text only shrinks the model about four times and costs no accuracy.
    "min_df": 2,
    "C": 0.5,
    "class_weight": "balanced",
    # Temperature scaling keeps the SVM's ranking of labels, so it adds probabilities without changing
    # predictions; a CalibratedClassifierCV method name, or None for a bare LinearSVC.
    "calibration": "temperature",
    "calibration_folds": 3,
}
BLOCKS = ("word", "char", "headline")
_SPACES = re.compile(r"\s+")


def compose_text(subject="", content="", address=""):
    """Join a ticket's fields, one a line, into the one string the pipeline reads."""
    return "\n".join(part.strip() for part in (subject, content, address) if part and part.strip())


def headline(text):
    """The first line of a composed text: the subject when there is one."""
    return text.partition("\n")[0].lower()


def _ngrams(sequence, low, high):
    return [sequence[i:i + n] for n in range(low, high + 1) for i in range(len(sequence) - n + 1)]


def analyze(text, features, word_ngrams, char_ngrams):
    """All n-grams of a text, each tagged with the first letter of its block (w, c or h)."""
    grams = {
        "word": lambda: [" ".join(gram) for gram in _ngrams(tokenize(text), *word_ngrams)],
        "char": lambda: _ngrams(_SPACES.sub(" ", text.lower()), *char_ngrams),
        "headline": lambda: _ngrams(headline(text), *char_ngrams),
    }
    return [f"{block[0]}:{gram}" for block in features for gram in grams[block]()]


class TextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of word, character and headline n-grams, each block scaled to unit length.

    One vectorizer pass instead of a FeatureUnion of three: scikit-learn's fixed cost per
    transform call (about 0.6 ms) otherwise dominates the prediction time of a single ticket.
    """

    def __init__(self, features=("word", "char", "headline"), word_ngrams=(1, 2), char_ngrams=(1, 3), min_df=2):
        self.features = features
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        unknown = [name for name in self.features if name not in BLOCKS]
        if unknown or not self.features:
            raise ValueError(f"features must be a non-empty list of {', '.join(BLOCKS)}, not {self.features!r}")
        analyzer = partial(analyze, features=list(self.features),
                           word_ngrams=tuple(self.word_ngrams), char_ngrams=tuple(self.char_ngrams))
        self.vectorizer_ = TfidfVectorizer(analyzer=analyzer, min_df=self.min_df, sublinear_tf=True, norm=None)
        counts = self.vectorizer_.fit_transform(texts)
        tags = [block[0] for block in BLOCKS]
        block_of_column = np.empty(counts.shape[1], dtype=np.intp)
        for term, column in self.vectorizer_.vocabulary_.items():
            block_of_column[column] = tags.index(term[0])
        self.block_of_column_ = block_of_column
        return self._normalize(counts)

    def transform(self, texts):
        check_is_fitted(self, "vectorizer_")
        return self._normalize(self.vectorizer_.transform(texts))

    def _normalize(self, matrix):
        matrix = sp.csr_matrix(matrix)
        blocks = self.block_of_column_[matrix.indices]
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        lengths = np.zeros((matrix.shape[0], len(BLOCKS)))
        np.add.at(lengths, (rows, blocks), matrix.data ** 2)
        matrix.data /= np.sqrt(lengths[rows, blocks])
        return matrix


def build_pipeline(**options):
    """Return an unfitted Pipeline; options override DEFAULTS (unknown names are refused)."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown pipeline options: {', '.join(sorted(unknown))}")
    options = DEFAULTS | options
    features = TextFeatures(options["features"], options["word_ngrams"], options["char_ngrams"], options["min_df"])
    svm = LinearSVC(C=options["C"], class_weight=options["class_weight"])
    classifier = svm if options["calibration"] is None else CalibratedClassifierCV(
        svm, method=options["calibration"], cv=options["calibration_folds"], ensemble=False,
    )
    return Pipeline([("features", features), ("classifier", classifier)])
