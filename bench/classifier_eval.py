"""Cross-validated macro-F1/accuracy of classifier pipeline configurations on the Teddy Cup 2020 data."""

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.pipeline import build_pipeline, compose_text  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"

CONFIGS = {
    "word12 svm": {"features": "word", "calibration": None},
    "char13 svm": {"features": "char", "calibration": None},
    "both svm": {"features": "both", "calibration": None},
    "both sigmoid": {"features": "both"},
}
CHOSEN = "both sigmoid"


def load(path):
    """Return texts, labels and duplicate groups (rows sharing a body or a subject share a group)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["subject"] or r["text"]]
    parent = list(range(len(rows)))

    def root(i):
        while parent[i] != i:
            parent[i] = i = parent[parent[i]]
        return i

    first_seen = {}
    for i, row in enumerate(rows):
        for key in (("text", row["text"]), ("subject", row["subject"])):
            if key[1]:
                parent[root(i)] = root(first_seen.setdefault(key, i))
    texts = [compose_text(r["subject"], r["text"]) for r in rows]
    return texts, np.array([r["label"] for r in rows]), np.array([root(i) for i in range(len(rows))])


def cross_validate(options, texts, labels, groups, folds=5):
    """Return per-fold macro-F1 and accuracy, and the seconds taken."""
    texts = np.array(texts, dtype=object)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    f1s, accuracies, start = [], [], time.perf_counter()
    for train, test in splitter.split(texts, labels, groups):
        predicted = build_pipeline(**options).fit(texts[train], labels[train]).predict(texts[test])
        f1s.append(f1_score(labels[test], predicted, average="macro"))
        accuracies.append(accuracy_score(labels[test], predicted))
    return np.array(f1s), np.array(accuracies), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS), help="configurations to run")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"data file not found: {args.data}")
    texts, labels, groups = load(args.data)
    print(f"{len(texts)} rows, {len(set(groups))} duplicate groups, {len(set(labels))} labels, 5-fold StratifiedGroupKFold")
    print(f"{'configuration':<28} {'macro-F1':>16} {'accuracy':>16} {'seconds':>8}")
    results = {}
    for name in args.only or CONFIGS:
        f1s, accuracies, seconds = results[name] = cross_validate(CONFIGS[name], texts, labels, groups)
        print(f"{name:<28} {f1s.mean():.4f} ± {f1s.std():.4f} {accuracies.mean():.4f} ± {accuracies.std():.4f} {seconds:8.1f}",
              flush=True)
    if CHOSEN in results:
        f1s, accuracies, _ = results[CHOSEN]
        print(f"chosen: {CHOSEN} {CONFIGS[CHOSEN]}: macro-F1 {f1s.mean():.4f}, accuracy {accuracies.mean():.4f}")


if __name__ == "__main__":
    main()
