"""Training and evaluating models, and reading labelled CSV files."""

import csv
import hashlib
import json
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedShuffleSplit

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


def _holdout_split(texts, labels, holdout):
    """Split off about `holdout` of the rows, stratified by label, keeping identical texts together."""
    splitter = StratifiedGroupKFold(n_splits=round(1 / holdout), shuffle=True, random_state=0)
    return next(splitter.split(texts, labels, groups=texts))


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


def train(texts, labels, *, holdout=0.0, refit=False, max_texts=MAX_TRAINING_TEXTS, n_jobs=2, **options):
    """Fit a pipeline; with holdout > 0 that share is kept out of training and scored into metrics.

    With refit, the model scored on the held-out share is only the judge: the model returned is
    fitted again on every text and carries the judge's metrics. Past max_texts texts (None: no
    limit) the pipeline is fitted on a sample of that many; n_jobs processes analyse the texts
    when there are many.
    """
    texts, labels = list(texts), list(labels)
    folds = options.get("calibration_folds", DEFAULTS["calibration_folds"])
    _check(texts, labels, folds)
    if not holdout:
        return _fit(texts, labels, max_texts, n_jobs, options)
    kept, held = _holdout_split(texts, labels, holdout)
    kept_texts, kept_labels = [texts[i] for i in kept], [labels[i] for i in kept]
    _check(kept_texts, kept_labels, folds)
    judge = _fit(kept_texts, kept_labels, max_texts, n_jobs, options)
    metrics = evaluate(judge, [texts[i] for i in held], [labels[i] for i in held]) | {"holdout": holdout}
    model = _fit(texts, labels, max_texts, n_jobs, options) if refit else judge
    model.metrics = metrics
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


def evaluate(model, texts, labels):
    """Score a model on labelled texts: macro-F1, accuracy, per-label figures and confusion matrix."""
    labels = list(labels)
    predicted = model.predict(texts)
    names = sorted(set(model.labels) | set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=names, zero_division=0,
    )
    return {
        "n_samples": len(labels),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {"labels": names, "matrix": confusion_matrix(labels, predicted, labels=names).tolist()},
    }


def read_csv(path):
    """Read a UTF-8 CSV with columns text and label (subject and address optional) into texts and labels."""
    texts, labels = [], []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, strict=True)
            missing = {"text", "label"} - set(reader.fieldnames or ())
            if missing:
                raise DataError(f"{path} line 1: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                text = compose_text(row.get("subject") or "", row["text"] or "", row.get("address") or "")
                label = (row["label"] or "").strip()
                if not label or not text:
                    raise DataError(f"{path} line {reader.line_num}: empty {'label' if not label else 'text'}")
                texts.append(text)
                labels.append(label)
    except csv.Error as error:
        raise DataError(f"{path} line {reader.line_num}: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read {path}: {error}") from error
    if not texts:
        raise DataError(f"{path} has no data rows")
    return texts, labels
