"""The scikit-learn pipeline from a ticket's raw text to a label with calibrated probabilities."""

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from classifier.tokenize import tokenize

DEFAULTS = {
    "features": "both",  # "word", "char" or "both"
    "word_ngrams": [1, 2],
    "char_ngrams": [1, 3],
    "min_df": 1,
    "C": 0.5,
    "class_weight": None,
    "calibration": "sigmoid",  # a CalibratedClassifierCV method, or None for a bare LinearSVC
    "calibration_folds": 3,
}


def compose_text(subject="", content="", address=""):
    """Join a ticket's fields into the one string the pipeline reads."""
    return "\n".join(part.strip() for part in (subject, content, address) if part and part.strip())


def _vectorizers(options):
    common = {"sublinear_tf": True, "min_df": options["min_df"], "dtype": np.float32}
    word = TfidfVectorizer(
        tokenizer=tokenize, token_pattern=None, lowercase=False,
        ngram_range=tuple(options["word_ngrams"]), **common,
    )
    char = TfidfVectorizer(analyzer="char", ngram_range=tuple(options["char_ngrams"]), **common)
    chosen = {"word": [("word", word)], "char": [("char", char)], "both": [("word", word), ("char", char)]}
    try:
        return chosen[options["features"]]
    except KeyError:
        raise ValueError(f"features must be 'word', 'char' or 'both', not {options['features']!r}") from None


def build_pipeline(**options):
    """Return an unfitted Pipeline; options override DEFAULTS (unknown names are refused)."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown pipeline options: {', '.join(sorted(unknown))}")
    options = DEFAULTS | options
    svm = LinearSVC(C=options["C"], class_weight=options["class_weight"])
    classifier = svm if options["calibration"] is None else CalibratedClassifierCV(
        svm, method=options["calibration"], cv=options["calibration_folds"], ensemble=False,
    )
    return Pipeline([("features", FeatureUnion(_vectorizers(options))), ("classifier", classifier)])
