"""Training and evaluating models, and reading labelled CSV files."""

import csv
import hashlib
import json
import time
from collections import Counter
from datetime import datetime, timezone

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from classifier.errors import DataError
from classifier.model import TrainedModel
from classifier.pipeline import DEFAULTS, build_pipeline, compose_text


def data_sha256(texts, labels):
    """Hash the (text, label) pairs in order, so a model can be traced to its training data."""
    digest = hashlib.sha256()
    for pair in zip(texts, labels):
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


def train(texts, labels, *, holdout=0.0, **options):
    """Fit a pipeline; with holdout > 0 that share is kept out of training and scored into metrics."""
    texts, labels = list(texts), list(labels)
    folds = options.get("calibration_folds", DEFAULTS["calibration_folds"])
    _check(texts, labels, folds)
    if holdout:
        kept, held = _holdout_split(texts, labels, holdout)
        held_texts, held_labels = [texts[i] for i in held], [labels[i] for i in held]
        texts, labels = [texts[i] for i in kept], [labels[i] for i in kept]
        _check(texts, labels, folds)
    start = time.perf_counter()
    pipeline = build_pipeline(**options).fit(texts, labels)
    model = TrainedModel(
        pipeline=pipeline,
        labels=[str(label) for label in pipeline.classes_],
        options=DEFAULTS | options,
        n_samples=len(texts),
        data_sha256=data_sha256(texts, labels),
        training_seconds=round(time.perf_counter() - start, 3),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    if holdout:
        model.metrics = evaluate(model, held_texts, held_labels)
    return model


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
            for name, p, r, f, s in zip(names, precision, recall, f1, support)
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
