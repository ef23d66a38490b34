"""The scikit-learn pipeline from a ticket's raw text to a label with calibrated probabilities."""

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

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
    "calibration": "sigmoid",  # a CalibratedClassifierCV method, or None for a bare LinearSVC
    "calibration_folds": 3,
}


def compose_text(subject="", content="", address=""):
    """Join a ticket's fields, one a line, into the one string the pipeline reads."""
    return "\n".join(part.strip() for part in (subject, content, address) if part and part.strip())


def headline(text):
    """The first line of a composed text: the subject when there is one."""
    return text.partition("\n")[0].lower()


def _feature_blocks(options):
    common = {"sublinear_tf": True, "min_df": options["min_df"]}
    char_ngrams = tuple(options["char_ngrams"])
    blocks = {
        "word": lambda: TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                        ngram_range=tuple(options["word_ngrams"]), **common),
        "char": lambda: TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, **common),
        # The subject says in a few words what a long content says at length, so it gets its own block.
        "headline": lambda: TfidfVectorizer(analyzer="char", preprocessor=headline, ngram_range=char_ngrams, **common),
    }
    unknown = [name for name in options["features"] if name not in blocks]
    if unknown or not options["features"]:
        raise ValueError(f"features must be a non-empty list of {', '.join(blocks)}, not {options['features']!r}")
    return [(name, blocks[name]()) for name in options["features"]]


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
    return Pipeline([("features", FeatureUnion(_feature_blocks(options))), ("classifier", classifier)])
