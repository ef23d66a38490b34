"""The scikit-learn pipeline from a ticket's raw text to a label with calibrated probabilities."""

import re
from collections import Counter
from functools import partial
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from classifier.parallel import fit_tfidf_in_processes, worth_parallel
from classifier.tokenize import tokenize

# Bumped whenever the pipeline's code or DEFAULTS change what a fitted model computes: a model saved
# under another version is refused at load (classifier/model.py), and `model ensure-default` retrains.
PIPELINE_VERSION = "2"
# Chosen by 5-fold grouped cross-validation on real citizen messages (bench/classifier_eval.py).
DEFAULTS = {
    "features": ["word", "char", "headline"],
    "word_ngrams": [1, 2],
    "char_ngrams": [1, 3],
    # Dropping n-grams seen in one text only shrinks the model about four times and costs no accuracy.
    "min_df": 2,
    # Each block's unit-length vector scaled to this length (1 where not named): the subject's
    # n-grams at 0.7 scored macro-F1 0.9365 against 0.9349 at 1, 0.9336 at 0.5 and 0.9300 at 1.4.
    "block_weights": {"headline": 0.7},
    "C": 0.5,
    "class_weight": "balanced",
    # Scale each label's features by their naive-Bayes log-count ratio (NBLinearSVC): +0.008 macro-F1.
    "nb_scaling": True,
    # Temperature scaling keeps the SVM's ranking of labels, so it adds probabilities without changing
    # predictions; a CalibratedClassifierCV method name, or None for the bare SVM.
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


def _tagged_ngrams(tag, sequence, low, high):
    """tag + each n-gram of a string (low ≤ n ≤ high), the shorter first, each in order of position."""
    return [tag + sequence[i:i + n] for n in range(low, high + 1) for i in range(len(sequence) - n + 1)]


def _tagged_word_ngrams(words, low, high):
    """"w:" + each n-gram of a list of words, joined by spaces, in the order of _tagged_ngrams."""
    return [f"w:{' '.join(words[i:i + n])}" if n > 1 else f"w:{words[i]}"
            for n in range(low, high + 1) for i in range(len(words) - n + 1)]


def analyze(text, features, word_ngrams, char_ngrams):
    """All n-grams of a text, each tagged with the first letter of its block (w, c or h)."""
    grams = {
        "word": lambda: _tagged_word_ngrams(tokenize(text), *word_ngrams),
        "char": lambda: _tagged_ngrams("c:", _SPACES.sub(" ", text.lower()), *char_ngrams),
        "headline": lambda: _tagged_ngrams("h:", headline(text), *char_ngrams),
    }
    return [gram for block in features for gram in grams[block]()]


class TextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of word, character and headline n-grams, each block scaled to unit length (times its weight).

    One vectorizer pass instead of a FeatureUnion of three: scikit-learn's fixed cost per
    transform call (about 0.6 ms) otherwise dominates the prediction time of a single ticket.
    """

    def __init__(self, features=("word", "char", "headline"), word_ngrams=(1, 2), char_ngrams=(1, 3), min_df=2,
                 n_jobs=2, block_weights=None):
        self.features = features
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        # {block: the length its unit-length vector is scaled to}; blocks not named keep 1.
        self.block_weights = block_weights
        # Processes that analyse the texts during fit when there are many (1: this process only).
        self.n_jobs = n_jobs

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        unknown = [name for name in self.features if name not in BLOCKS]
        if unknown or not self.features:
            raise ValueError(f"features must be a non-empty list of {', '.join(BLOCKS)}, not {self.features!r}")
        weights = dict(self.block_weights or {})
        if set(weights) - set(BLOCKS) or any(not 0 < w < float("inf") for w in weights.values()):
            raise ValueError(f"block_weights must map blocks of {', '.join(BLOCKS)} to positive numbers, "
                             f"not {self.block_weights!r}")
        self.weight_of_block_ = np.array([float(weights.get(block, 1.0)) for block in BLOCKS])
        analyzer = partial(analyze, features=list(self.features),
                           word_ngrams=tuple(self.word_ngrams), char_ngrams=tuple(self.char_ngrams))
        self.vectorizer_ = TfidfVectorizer(analyzer=analyzer, min_df=self.min_df, sublinear_tf=True, norm=None)
        if worth_parallel(texts, self.n_jobs):
            counts = fit_tfidf_in_processes(self.vectorizer_, texts, self.n_jobs)
        else:
            counts = self.vectorizer_.fit_transform(texts)
        tags = [block[0] for block in BLOCKS]
        block_of_column = np.empty(counts.shape[1], dtype=np.intp)
        for term, column in self.vectorizer_.vocabulary_.items():
            block_of_column[column] = tags.index(term[0])
        self.block_of_column_ = block_of_column
        return self._normalize(counts)

    def transform(self, texts):
        check_is_fitted(self, "vectorizer_")
        return self._normalize(self._tfidf(texts))

    def _tfidf(self, texts):
        """The matrix self.vectorizer_.transform(texts) gives (sublinear tf times idf, each row's columns in
        order), built here without its checks and exceptions: one dictionary look-up per distinct n-gram
        of a text, where the vectorizer looks up every n-gram and raises KeyError for each one it does not
        know, which costs more than the rest of a one-text prediction together."""
        vocabulary, analyzer = self.vectorizer_.vocabulary_, self.vectorizer_.analyzer
        columns, counts, indptr = [], [], [0]
        for text in texts:
            grams = Counter(analyzer(text))
            # Each distinct n-gram's column (-1 for one the vocabulary lacks), looked up and sorted in bulk.
            found = np.fromiter(map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            known = np.flatnonzero(found >= 0)
            order = known[np.argsort(found[known], kind="stable")]
            columns.append(found[order])
            counts.append(np.fromiter(grams.values(), dtype=np.float64, count=len(grams))[order])
            indptr.append(indptr[-1] + len(order))
        columns = np.concatenate(columns).astype(np.int32) if columns else np.zeros(0, np.int32)
        data = np.log(np.concatenate(counts)) if counts else np.zeros(0)
        data += 1.0
        data *= self.vectorizer_.idf_[columns]
        return sp.csr_matrix((data, columns, np.asarray(indptr, dtype=np.int64)),
                             shape=(len(indptr) - 1, len(vocabulary)))

    def _normalize(self, matrix, rows_per_slice=20_000):
        matrix = sp.csr_matrix(matrix)
        # Slice by slice of rows, so that the temporaries (several numbers per stored entry) stay
        # small beside a training matrix of a million rows.
        for start in range(0, matrix.shape[0], rows_per_slice):
            stop = min(start + rows_per_slice, matrix.shape[0])
            low, high = matrix.indptr[start], matrix.indptr[stop]
            data = matrix.data[low:high]  # a view: dividing it scales the matrix in place
            # One cell per (row, block); each entry adds its square to its cell's squared length.
            cells = np.repeat(np.arange(stop - start) * len(BLOCKS), np.diff(matrix.indptr[start:stop + 1]))
            cells += self.block_of_column_[matrix.indices[low:high]]
            lengths = np.bincount(cells, weights=data * data, minlength=(stop - start) * len(BLOCKS))
            # Each cell's factor (its block's weight over its length), so that a slice needs no temporary
            # beyond one number a cell and one an entry, as without weights. Empty cells index no entry.
            with np.errstate(divide="ignore"):
                factors = np.tile(self.weight_of_block_, stop - start) / np.sqrt(lengths)
            data *= factors[cells]
        return matrix


class NBLinearSVC(ClassifierMixin, BaseEstimator):
    """One linear SVM per label on features scaled by that label's naive-Bayes log-count ratio.

    Each label's SVM sees every feature multiplied by log(share of the label's texts that contain it /
    share of the other texts that contain it), so words typical of one label start with a head start
    over common ones (Wang and Manning's NB-SVM). The scaling is folded into the weights after
    fitting: prediction is one sparse product, as for a plain LinearSVC.
    """

    def __init__(self, C=0.5, class_weight="balanced", alpha=1.0):
        self.C = C
        self.class_weight = class_weight
        self.alpha = alpha

    def fit(self, X, y):
        X = sp.csr_matrix(X, dtype=np.float64)
        self.classes_, y = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("NBLinearSVC needs at least two labels")
        # Number of texts of each label that contain each feature, a slice of rows at a time.
        presence = np.zeros((len(self.classes_), X.shape[1]))
        for start in range(0, X.shape[0], 20_000):
            rows = X[start:start + 20_000]
            onehot = sp.csr_matrix((np.ones(rows.shape[0]), (y[start:start + 20_000], np.arange(rows.shape[0]))),
                                   shape=(len(self.classes_), rows.shape[0]))
            ones = sp.csr_matrix((np.ones(rows.nnz), rows.indices, rows.indptr), shape=rows.shape)
            presence += (onehot @ ones).toarray()
        total = presence.sum(axis=0)
        targets = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        coefs, intercepts = [], []
        for target in targets:
            inside = presence[target] + self.alpha
            outside = total - presence[target] + self.alpha
            ratio = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
            scaled = sp.csr_matrix((X.data * ratio[X.indices], X.indices, X.indptr), shape=X.shape)
            svm = LinearSVC(C=self.C, class_weight=self.class_weight).fit(scaled, (y == target).astype(int))
            coefs.append(svm.coef_[0] * ratio)
            intercepts.append(svm.intercept_[0])
        # Column-major, so that coef_.T is contiguous and a prediction does not copy the weights.
        self.coef_, self.intercept_ = np.asfortranarray(coefs), np.array(intercepts)
        return self

    def decision_function(self, X):
        check_is_fitted(self, "coef_")
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)]


class TicketPipeline(Pipeline):
    """A Pipeline whose predict_proba, for a fitted TextFeatures then a temperature-scaled SVM, does the
    arithmetic itself: the same probabilities, bit for bit, without scikit-learn's per-call checks
    and dispatch, which take longer than the sums for one ticket. Anything else goes through Pipeline.
    """

    @available_if(lambda self: hasattr(self.steps[-1][1], "predict_proba"))  # as Pipeline's own: a bare SVM has none
    def predict_proba(self, X, **params):
        features, classifier = self.steps[0][1], self.steps[-1][1]
        if params or len(self.steps) != 2 or not _is_temperature_scaled_svm(classifier):
            return super().predict_proba(X, **params)
        return _temperature_proba(classifier, features.transform(X))


def _is_temperature_scaled_svm(classifier):
    return (isinstance(classifier, CalibratedClassifierCV) and classifier.method == "temperature"
            and hasattr(classifier, "calibrated_classifiers_")
            and all(type(calibrated.estimator) in (NBLinearSVC, LinearSVC)
                    for calibrated in classifier.calibrated_classifiers_))


def _temperature_proba(classifier, matrix):
    """CalibratedClassifierCV.predict_proba(matrix) of a fitted temperature-scaled NBLinearSVC or
    LinearSVC, step by step as scikit-learn 1.9 computes it: each calibrated SVM's decision values,
    as logits (two columns -x, x for two labels), times its inverse temperature, softmax; the mean."""
    mean = np.zeros((matrix.shape[0], len(classifier.classes_)))
    for calibrated in classifier.calibrated_classifiers_:
        svm = calibrated.estimator
        scores = np.asarray(matrix @ svm.coef_.T) + svm.intercept_
        if scores.shape[1] == 1:
            logits = np.concatenate([-scores, scores], axis=1)
        elif np.all((scores >= 0) & (scores <= 1)) and np.all(np.isclose(scores.sum(axis=1), 1.0)):
            logits = np.log(scores + 1e-12)  # what scikit-learn does to scores that look like probabilities
        else:
            logits = scores
        proba = calibrated.calibrators[0].beta_ * logits
        proba -= proba.max(axis=1).reshape((-1, 1))
        np.exp(proba, out=proba)
        proba /= proba.sum(axis=1).reshape((-1, 1))
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        mean += proba
    mean /= len(classifier.calibrated_classifiers_)
    return mean


def build_pipeline(**options):
    """Return an unfitted Pipeline; options override DEFAULTS (unknown names are refused)."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown pipeline options: {', '.join(sorted(unknown))}")
    options = DEFAULTS | options
    features = TextFeatures(options["features"], options["word_ngrams"], options["char_ngrams"], options["min_df"],
                            block_weights=options["block_weights"])
    svm = (NBLinearSVC if options["nb_scaling"] else LinearSVC)(C=options["C"], class_weight=options["class_weight"])
    classifier = svm if options["calibration"] is None else CalibratedClassifierCV(
        svm, method=options["calibration"], cv=options["calibration_folds"], ensemble=False,
    )
    return TicketPipeline([("features", features), ("classifier", classifier)])
