"""Training and evaluating models, and reading labelled CSV files."""

import csv
import hashlib
import json
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold, StratifiedShuffleSplit

from classifier.errors import DataError
from classifier.model import TrainedModel
from classifier.pipeline import DEFAULTS, build_pipeline, compose_text

# Past this many texts a model is fitted on a sample of them. On two cores, fitting the features and
# the SVM on 1,000,000 texts would take about an hour and over 20 GiB (the SVM's solver copies the
# TF-IDF matrix, some 700 entries a text, at 16 bytes an entry); on this many it takes minutes.
MAX_TRAINING_TEXTS = 150_000
# A label keeps this many texts in the sample (or all it has) however rare it is.
MIN_SAMPLED_PER_LABEL = 100
# From this many texts on, the SVM's probabilities are calibrated on one held-out slice of at most
# CALIBRATION_TEXTS texts (a tenth below that) instead of by 3-fold cross-validation: one SVM fit
# instead of four, and a temperature (one number) is well estimated from a few thousand texts.
HELD_OUT_CALIBRATION_FROM = 50_000
CALIBRATION_TEXTS = 20_000
# The share of the scored texts a model's metrics come from (5 grouped, stratified folds: a fifth).
HOLDOUT = 0.2
# Below this many texts to score on, one held-out fifth (fewer than 200 texts) would give a macro-F1
# that moves by several points with the draw: every text is scored instead, by 5-fold cross-validation
# (each fold a held-out fifth, predicted by a model fitted on the other four).
CROSS_VALIDATE_BELOW = 1000
# A label needs this many examples to be learnt and scored: one in each of the 5 folds, and enough
# left in every training part for the 3-fold calibration. Rarer labels are left out, not fatal.
MIN_PER_LABEL = 5
# Expected calibration error: equal-width bins of the top label's probability.
ECE_BINS = 10


def data_sha256(texts, labels):
    """Hash the (text, label) pairs in order, so a model can be traced to its training data."""
    digest = hashlib.sha256()
    for pair in zip(texts, labels, strict=True):
        digest.update(json.dumps(pair, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _check(texts, labels, min_per_label):
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        raise DataError("training needs at least two different labels")
    scarce = sorted(str(label) for label, n in counts.items() if n < min_per_label)
    if scarce:
        raise DataError(f"labels with fewer than {min_per_label} examples: {', '.join(scarce)}")


def _sample(texts, labels, size, seed=0):
    """About `size` of the rows, in their order: each label its share, and at least MIN_SAMPLED_PER_LABEL."""
    rows_of = defaultdict(list)
    for row, label in enumerate(labels):
        rows_of[label].append(row)
    rng, chosen = np.random.default_rng(seed), []
    for rows in rows_of.values():
        quota = max(round(size * len(rows) / len(labels)), MIN_SAMPLED_PER_LABEL)
        chosen.extend(rows if quota >= len(rows) else rng.choice(rows, quota, replace=False).tolist())
    chosen.sort()
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def _calibrate_on_held_out_slice(pipeline, n_texts):
    """Calibrate on one stratified held-out slice: the SVM is fitted once, on the rest."""
    # With a single split and ensemble=True, CalibratedClassifierCV fits the SVM on the rest and the
    # temperature on the slice's decision values, which that SVM never saw: the same soundness as
    # the cross-validated default. Temperature scaling keeps the SVM's ranking, so its predictions.
    split = StratifiedShuffleSplit(n_splits=1, test_size=min(CALIBRATION_TEXTS, n_texts // 10), random_state=0)
    pipeline.set_params(classifier__cv=split, classifier__ensemble=True)


def expected_calibration_error(confidences, correct, bins=ECE_BINS):
    """Expected calibration error: texts are put in `bins` equal-width bins of their top label's
    probability ([0, 0.1), [0.1, 0.2), … [0.9, 1] for 10), and each bin adds its share of the texts
    times |mean probability − share predicted right|. 0 is perfectly calibrated."""
    confidences, correct = np.asarray(confidences, dtype=float), np.asarray(correct, dtype=float)
    if confidences.shape != correct.shape or confidences.ndim != 1 or not len(confidences):
        raise ValueError("need one confidence and one right/wrong flag per text, and at least one text")
    if confidences.min() < 0 or confidences.max() > 1:
        raise ValueError("confidences must lie between 0 and 1")
    index = np.minimum((confidences * bins).astype(int), bins - 1)
    count = np.bincount(index, minlength=bins)
    gap = np.abs(np.bincount(index, weights=confidences, minlength=bins)
                 - np.bincount(index, weights=correct, minlength=bins))
    # Each bin's |Σconfidence − Σcorrect| / n is its share times |mean confidence − accuracy|.
    return float(gap[count > 0].sum() / len(confidences))


def left_out_scarce(texts, labels, minimum=MIN_PER_LABEL, also=()):
    """Drop the rows of labels with fewer than `minimum` examples (counting those in `also`, rows that
    are trained on anyway); returns texts, labels and {label: its count} of the labels left out."""
    counts = Counter(labels) + Counter(also)
    scarce = {str(label): counts[label] for label in sorted(set(labels), key=str) if counts[label] < minimum}
    kept = [(text, label) for text, label in zip(texts, labels, strict=True) if str(label) not in scarce]
    return [text for text, _ in kept], [label for _, label in kept], scarce


@dataclass
class Assessment:
    """How a model fitted on such data scores on texts it never saw, and which texts those were:
    another model is compared on the same texts."""

    metrics: dict
    texts: list
    labels: list
    judge: object  # the model fitted without the held-out texts; None when cross-validated


def assess(texts, labels, *, fixed=((), ()), holdout=HOLDOUT, max_texts=MAX_TRAINING_TEXTS, n_jobs=2, **options):
    """Score the pipeline on held-out texts: a stratified held-out share of `texts` (identical texts
    kept together), or, below CROSS_VALIDATE_BELOW texts, every text by cross-validation with that
    share per fold. `fixed` (texts, labels) are always trained on and never scored (a seed corpus
    every model of the kind learns from, so that an older model has seen them too)."""
    texts, labels = list(texts), list(labels)
    fixed_texts, fixed_labels = list(fixed[0]), list(fixed[1])
    folds = options.get("calibration_folds", DEFAULTS["calibration_folds"])
    _check(fixed_texts + texts, fixed_labels + labels, folds)
    n_splits = round(1 / holdout)
    # Stratified where possible: when no label has a text for every fold, folds are drawn by text alone.
    stratify = max(Counter(labels).values()) >= n_splits
    splitter = (StratifiedGroupKFold if stratify else GroupKFold)(n_splits=n_splits, shuffle=True, random_state=0)
    if len(set(texts)) < splitter.n_splits:
        raise DataError(f"{len(set(texts))} different texts are too few to hold out a share of {holdout:g}")

    def fit_without(held):
        held = set(held)
        kept = [i for i in range(len(texts)) if i not in held]
        kept_texts, kept_labels = fixed_texts + [texts[i] for i in kept], fixed_labels + [labels[i] for i in kept]
        _check(kept_texts, kept_labels, folds)
        return _fit(kept_texts, kept_labels, max_texts, n_jobs, options)

    with warnings.catch_warnings():
        # A label rarer than the folds still goes into as many of them as it can.
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        splits = list(splitter.split(texts, labels, groups=texts))
    if len(texts) >= CROSS_VALIDATE_BELOW:
        held = splits[0][1].tolist()
        judge = fit_without(held)
        held_texts, held_labels = [texts[i] for i in held], [labels[i] for i in held]
        metrics = evaluate(judge, held_texts, held_labels) | {"holdout": holdout, "method": "holdout"}
        return Assessment(metrics, held_texts, held_labels, judge)
    predicted, confidence = [None] * len(texts), [None] * len(texts)
    for _, held in splits:
        judge = fit_without(held)
        for i, (label, probability) in zip(held, _top(judge, [texts[i] for i in held]), strict=True):
            predicted[i], confidence[i] = label, probability
    names = sorted({str(label) for label in fixed_labels + labels})
    metrics = scores(labels, predicted, None if confidence[0] is None else confidence, names)
    return Assessment(metrics | {"holdout": holdout, "method": "cross_validation", "folds": len(splits)},
                      texts, labels, None)


def train(texts, labels, *, holdout=0.0, refit=False, fixed=((), ()), max_texts=MAX_TRAINING_TEXTS, n_jobs=2,
          **options):
    """Fit a pipeline; with holdout > 0 it carries the metrics of assess() (texts held out, or
    cross-validated when few).

    Without refit, a model scored on one held-out share is returned as it was scored (fitted
    without those texts); with refit, or when cross-validated, the model returned is fitted on every
    text and carries those metrics. `fixed` texts are trained on, never scored. Past max_texts texts
    (None: no limit) the pipeline is fitted on a sample of that many; n_jobs processes analyse the
    texts when there are many.
    """
    texts, labels = list(fixed[0]) + list(texts), list(fixed[1]) + list(labels)
    if not holdout:
        _check(texts, labels, options.get("calibration_folds", DEFAULTS["calibration_folds"]))
        return _fit(texts, labels, max_texts, n_jobs, options)
    scored = len(texts) - len(fixed[0])
    assessment = assess(texts[len(fixed[0]):], labels[len(fixed[0]):], fixed=fixed, holdout=holdout,
                        max_texts=max_texts, n_jobs=n_jobs, **options)
    model = assessment.judge
    if refit or model is None:
        model = _fit(texts, labels, max_texts, n_jobs, options)
    model.metrics = assessment.metrics | {"n_scored_from": scored}
    return model


def _fit(texts, labels, max_texts, n_jobs, options):
    if max_texts is not None and len(texts) > max_texts:
        texts, labels = _sample(texts, labels, max_texts)
    start = time.perf_counter()
    pipeline = build_pipeline(**options)
    pipeline.set_params(features__n_jobs=n_jobs)
    calibration = options.get("calibration", DEFAULTS["calibration"])
    # The stratified slice needs a text of every label.
    if calibration is not None and len(texts) >= HELD_OUT_CALIBRATION_FROM and len(texts) // 10 >= len(set(labels)):
        _calibrate_on_held_out_slice(pipeline, len(texts))
    pipeline.fit(texts, labels)
    return TrainedModel(
        pipeline=pipeline,
        labels=[str(label) for label in pipeline.classes_],
        options=DEFAULTS | options,
        n_samples=len(texts),
        data_sha256=data_sha256(texts, labels),
        training_seconds=round(time.perf_counter() - start, 3),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _top(model, texts):
    """(label, probability) of each text's most probable label; probability None without calibration."""
    if hasattr(model, "predict_top") and hasattr(model.pipeline, "predict_proba"):
        return [pairs[0] for pairs in model.predict_top(texts, k=1)]
    return [(label, None) for label in model.predict(texts)]


def scores(labels, predicted, confidences, names):
    """macro-F1, accuracy, ECE (None without probabilities), per-label figures and confusion matrix."""
    labels, predicted = [str(label) for label in labels], [str(label) for label in predicted]
    names = sorted(set(names) | set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=names, zero_division=0,
    )
    correct = [p == t for p, t in zip(predicted, labels, strict=True)]
    return {
        "n_samples": len(labels),
        "macro_f1": float(f1_score(labels, predicted, labels=sorted(set(labels)), average="macro",
                                   zero_division=0)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "ece": None if confidences is None else expected_calibration_error(confidences, correct),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {"labels": names, "matrix": confusion_matrix(labels, predicted, labels=names).tolist()},
    }


def evaluate(model, texts, labels):
    """Score a model on labelled texts: macro-F1 and accuracy, the expected calibration error of its
    probabilities, per-label figures and the confusion matrix."""
    labels = list(labels)
    top = _top(model, list(texts))
    confidences = [p for _, p in top]
    return scores(labels, [label for label, _ in top], None if None in confidences else confidences, model.labels)


def read_csv(path, skip_bad=False):
    """Read a UTF-8 CSV with columns text and label (subject and address optional) into texts and labels.

    A row's message is its subject and text (either may be empty, not both) with its address. A bad
    row stops the reading with its line number (1-based, the header is line 1); with skip_bad it is
    left out instead, and read_csv returns texts, labels and [(line, reason), …] of the rows skipped.
    """
    texts, labels, skipped = [], [], []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=True)
            header = [name.strip() for name in next(reader, [])]
            missing = {"text", "label"} - set(header)
            if missing:
                raise DataError(f"{path} line 1: missing column(s) {', '.join(sorted(missing))}")
            while True:
                line = reader.line_num + 1  # where the next row starts (a quoted value may span lines)
                try:
                    values = next(reader, None)
                    if values is None:
                        break
                    if not values:
                        continue  # a blank line
                    text, label = _row(values, header)
                except (csv.Error, DataError) as error:
                    if not skip_bad:
                        raise DataError(f"{path} line {line}: {error}") from error
                    skipped.append((line, str(error)))
                    continue
                texts.append(text)
                labels.append(label)
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read {path}: {error}") from error
    if not texts:
        raise DataError(f"{path} has no data rows" + (f" that could be read ({len(skipped)} skipped)"
                                                        if skipped else ""))
    return (texts, labels, skipped) if skip_bad else (texts, labels)


def _row(values, header):
    if len(values) != len(header):
        raise DataError(f"{len(values)} values for {len(header)} columns")
    row = dict(zip(header, values, strict=True))
    label = row["label"].strip()
    if not label:
        raise DataError("empty label")
    if not (row["text"].strip() or row.get("subject", "").strip()):
        raise DataError("empty text and subject")
    return compose_text(row.get("subject", ""), row["text"], row.get("address", "")), label
