"""Ticket classifier benchmark: cross-validated scores per configuration, prediction speed, training at scale."""

import argparse
import copy
import csv
import random
import re
import resource
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.pipeline import TextFeatures, build_pipeline, compose_text
from classifier.train import train

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"
# The configurations of the table as measured before issue 12 (the subject's block at full weight).
SVM = {"calibration": None, "nb_scaling": False, "block_weights": {"headline": 1.0}}
NB = {"calibration": None, "block_weights": {"headline": 1.0}}
CONFIGS = {
    "word": SVM | {"features": ["word"]},
    "char": SVM | {"features": ["char"]},
    "word+char": SVM | {"features": ["word", "char"]},
    "word+char+head": SVM,
    "word+char+head/min_df=1": SVM | {"min_df": 1},
    "word+char+head/C=1": SVM | {"C": 1.0},
    "word+char+head/char1-4": SVM | {"char_ngrams": [1, 4]},
    "word+char+head/temperature": {"nb_scaling": False},
    "nb/word+char+head": NB,
    "nb/word+char+head/C=1": NB | {"C": 1.0},
    "nb/word+char+head/char1-4": NB | {"char_ngrams": [1, 4]},
    "nb/word+char+head/temperature": {"block_weights": {"headline": 1.0}},
    "nb/word+char+head0.5": NB | {"block_weights": {"headline": 0.5}},
    "nb/word+char+head0.7": NB | {"block_weights": {"headline": 0.7}},
    "nb/word+char+head1.4": NB | {"block_weights": {"headline": 1.4}},
    "nb/word+char+head0.7/temperature": {},
}
CHOSEN = "nb/word+char+head0.7/temperature"
# The pipeline shipped before issue 12, frozen here so that the comparison outlives later changes to
# DEFAULTS (calibration off: temperature scaling never changes a prediction, and it quadruples the fits).
SHIPPED = {"features": ["word", "char", "headline"], "word_ngrams": [1, 2], "char_ngrams": [1, 3], "min_df": 2,
           "block_weights": {"headline": 1.0}, "C": 0.5, "class_weight": "balanced", "nb_scaling": True,
           "calibration": None}
# The pipeline shipped now: DEFAULTS as they are.
CURRENT = {"calibration": None}


def body_from_tokens(subject, tokens):
    """A row's body rebuilt from the file's jieba tokens of subject + body (stopwords removed): the
    tokens after those that spell out the subject, joined without spaces."""
    words, position, first_body_word = tokens.split(), 0, 0
    for word in words:
        found = subject.find(word, position)
        if found < 0:
            break
        position, first_body_word = found + len(word), first_body_word + 1
    return "".join(words[first_body_word:])


def load(path, restore_bodies=True):
    """Return texts, labels, duplicate groups (rows sharing a body or a subject share a group) and
    which rows lack a raw body.

    A citizen's message is a subject and a body, and unseen messages come whole; but the public
    rebuild lost the raw body of about 2,300 rows. With restore_bodies those rows get the body back
    from the file's own `tokens` column; without it they are scored on the subject alone.
    """
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
    lacking = np.array([not r["text"] for r in rows])
    texts = [compose_text(r["subject"],
                          r["text"] or (body_from_tokens(r["subject"], r["tokens"]) if restore_bodies else ""))
             for r in rows]
    return texts, np.array([r["label"] for r in rows]), np.array([root(i) for i in range(len(rows))]), lacking


def cross_validate(options, texts, labels, groups, folds=5, first=None):
    """Return per-fold macro-F1 and accuracy, the pooled out-of-fold predictions and the seconds taken.

    With first, only the first that many of the folds (the same folds as without it): a cheap screen.
    The pooled predictions then hold the other folds' rows unpredicted (empty strings)."""
    texts = np.array(texts, dtype=object)
    predicted = np.full_like(labels, "")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    f1s, accuracies, start = [], [], time.perf_counter()
    for train_rows, test_rows in list(splitter.split(texts, labels, groups))[:first]:
        pipeline = build_pipeline(**options).fit(texts[train_rows], labels[train_rows])
        predicted[test_rows] = pipeline.predict(texts[test_rows])
        f1s.append(f1_score(labels[test_rows], predicted[test_rows], average="macro"))
        accuracies.append(accuracy_score(labels[test_rows], predicted[test_rows]))
    return np.array(f1s), np.array(accuracies), predicted, time.perf_counter() - start


def print_table(names, texts, labels, groups, lacking, restored):
    with_body = ~lacking
    other = "restored" if restored else "subject only"
    print(f"{len(texts)} rows ({with_body.sum()} with their raw body, {lacking.sum()} {other}), "
          f"{len(set(groups))} duplicate groups, {len(set(labels))} labels; 5-fold StratifiedGroupKFold")
    print(f"{'configuration':<30} {'macro-F1':>15} {'accuracy':>15} {'F1 raw':>8} {'F1 ' + other:>16} {'seconds':>7}")
    results = {}
    for name in names:
        f1s, accuracies, predicted, seconds = results[name] = cross_validate(CONFIGS[name], texts, labels, groups)
        subset_f1 = [f1_score(labels[rows], predicted[rows], average="macro") for rows in (with_body, ~with_body)]
        print(f"{name:<30} {f1s.mean():.4f} ± {f1s.std():.4f} {accuracies.mean():.4f} ± {accuracies.std():.4f} "
              f"{subset_f1[0]:8.4f} {subset_f1[1]:16.4f} {seconds:7.1f}", flush=True)
    if CHOSEN in results:
        f1s, accuracies, *_ = results[CHOSEN]
        print(f"chosen: {CHOSEN} {build_pipeline(**CONFIGS[CHOSEN])[-1]!r}\n"
              f"        macro-F1 {f1s.mean():.4f}, accuracy {accuracies.mean():.4f}")


def print_comparison(texts, labels, groups, lacking, first=None):
    """The shipped and the new pipeline in one run on the same folds: per-fold macro-F1, mean ± sd of
    each, and the paired difference (with first, on the first that many folds only)."""
    folds = "5-fold" if first is None else f"the first {first} of 5 folds of"
    print(f"{len(texts)} rows ({(~lacking).sum()} with their raw body), {len(set(groups))} duplicate groups, "
          f"{len(set(labels))} labels; {folds} StratifiedGroupKFold, the same folds for both")
    scores = {}
    for name, options in (("shipped before (issue 11)", SHIPPED), ("new (DEFAULTS)", CURRENT)):
        f1s, accuracies, _, seconds = scores[name] = cross_validate(options, texts, labels, groups, first=first)
        print(f"{name:<26} macro-F1 {f1s.mean():.4f} ± {f1s.std():.4f}  accuracy {accuracies.mean():.4f}  "
              f"folds {' '.join(f'{f:.4f}' for f in f1s)}  {seconds:.0f} s", flush=True)
    (old, *_), (new, *_) = scores.values()
    gain = new - old
    print(f"{'difference (new − old)':<26} macro-F1 {gain.mean():+.4f} ± {gain.std():.4f} over the folds "
          f"({(gain > 0).sum()} of {len(gain)} folds better)")


class _TransformAsBefore(TextFeatures):
    """TextFeatures.transform as shipped before issue 12: through TfidfVectorizer.transform."""

    def transform(self, texts):
        return self._normalize(self.vectorizer_.transform(texts))


def as_shipped_before(model):
    """The model with the prediction code shipped before issue 12: a plain scikit-learn Pipeline
    (CalibratedClassifierCV.predict_proba) over TfidfVectorizer.transform; the same fitted objects."""
    (_, features), (_, classifier) = model.pipeline.steps
    before = copy.copy(features)
    before.__class__ = _TransformAsBefore
    model.pipeline = Pipeline([("features", before), ("classifier", classifier)])
    return model


def print_latency_comparison(texts, repeats=3):
    """predict_top of one text at a time, shipped-before vs new pipeline, each fitted (calibrated, as
    shipped) on the seed corpus, the shipped one predicting through the code of then
    (as_shipped_before). The two take turns on the same texts, in alternating order, so that a busy
    machine slows both alike; the tokenizer's cache of recent cuts is emptied before each call, so
    that neither reuses the other's cut of the text."""
    from classifier import tokenize
    from hotline.routing.training import seed_corpus

    seed_texts, seed_labels = seed_corpus()
    shipped = train(seed_texts, seed_labels, **(SHIPPED | {"calibration": "temperature"}))
    models = {"shipped before": as_shipped_before(shipped), "new": train(seed_texts, seed_labels)}
    sample = random.Random(1).sample(texts, 500)
    for model in models.values():
        model.predict_top(sample[:20])
    figures = {name: [] for name in models}
    for repeat in range(repeats):
        timings = {name: [] for name in models}
        for i, text in enumerate(sample):
            for name, model in (models.items() if (i + repeat) % 2 == 0 else reversed(models.items())):
                tokenize._cut.cache_clear()
                start = time.perf_counter()
                model.predict_top([text])
                timings[name].append((time.perf_counter() - start) * 1000)
        for name, values in timings.items():
            values.sort()
            figures[name].append((values[len(values) // 2], values[int(0.95 * len(values))]))
            print(f"repeat {repeat + 1}: predict_top, one public text at a time, {name:<15} median "
                  f"{figures[name][-1][0]:.3f} ms, p95 {figures[name][-1][1]:.3f} ms ({len(values)} texts)", flush=True)
    for name, values in figures.items():
        median, p95 = (statistics.median(v[i] for v in values) for i in (0, 1))
        print(f"predict_top, {name:<15} median of {repeats} repeats: median {median:.3f} ms, p95 {p95:.3f} ms "
              f"(fitted on the seed corpus in "
              f"{models[name].training_seconds:.1f} s)")


def print_speed(texts, labels):
    """Latency of one text at a time and throughput of a batch, on one core, after training on every row."""
    model = train(texts, labels, **CONFIGS[CHOSEN])
    print(f"training on {len(texts)} rows: {model.training_seconds:.1f} s")
    real = random.Random(0).sample(texts, 1000)
    for name, sample in (("real messages", real), ("synthetic short texts", synthetic(texts, labels, 1000)[0])):
        model.predict_top(sample[:10])
        latencies = []
        for text in sample[:300]:
            start = time.perf_counter()
            model.predict_top([text])
            latencies.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        start = time.perf_counter()
        model.predict_top(sample)
        rate = len(sample) / (time.perf_counter() - start)
        print(f"{name} ({statistics.mean(map(len, sample)):.0f} chars on average): one at a time median "
              f"{latencies[150]:.2f} ms, p95 {latencies[284]:.2f} ms; batch of {len(sample)}: {rate:.0f} texts/s")


def synthetic(texts, labels, n, seed=0):
    """n short texts (a subject line, then 3–6 clauses) drawn from the clauses of real messages; each label
    is split in three clause pools to make 21 learnable classes, about as many as a city's departments."""
    pools = {}
    for text, label in zip(texts, labels, strict=True):
        for clause in re.split(r"[。！？；，,!?;\n]", text):
            if len(clause) >= 4:
                pools.setdefault(f"{label}{zlib.crc32(clause.encode()) % 3}", []).append(clause)
    names, rng = sorted(pools), random.Random(seed)
    chosen = [rng.choice(names) for _ in range(n)]
    texts = ["\n".join((rng.choice(pools[name]), "，".join(rng.choice(pools[name]) for _ in range(rng.randint(3, 6)))))
             for name in chosen]
    return texts, chosen


def print_scale(texts, labels, n):
    sample, sample_labels = synthetic(texts, labels, n)
    print(f"{n} synthetic texts, {statistics.mean(map(len, sample)):.0f} chars on average, "
          f"{len(set(sample_labels))} labels", flush=True)
    cpu = time.process_time()
    model = train(sample, sample_labels, **CONFIGS[CHOSEN])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"training: {model.training_seconds:.0f} s wall, {time.process_time() - cpu:.0f} s CPU, "
          f"peak resident memory {peak:.2f} GiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS), help="configurations to cross-validate")
    parser.add_argument("--compare", action="store_true",
                        help="only the shipped-before and the new pipeline, side by side on the same folds")
    parser.add_argument("--speed", action="store_true", help="also time prediction of the chosen configuration")
    parser.add_argument("--scale", type=int, metavar="N", help="instead, time training on N synthetic short texts")
    parser.add_argument("--first-folds", type=int, choices=range(1, 6), metavar="N",
                        help="with --compare, cross-validate on the first N of the 5 folds only (a screen)")
    parser.add_argument("--subject-only", action="store_true",
                        help="score the rows that lost their raw body on the subject alone, "
                             "not on a body restored from tokens")
    args = parser.parse_args()
    if args.first_folds and not args.compare:
        parser.error("--first-folds goes with --compare")
    if not args.data.is_file():
        sys.exit(f"data file not found: {args.data}")
    texts, labels, groups, lacking = load(args.data, restore_bodies=not args.subject_only)
    if args.scale:
        print_scale(texts, labels, args.scale)
        return
    if args.compare:
        if args.speed:
            print_latency_comparison(texts)
        print_comparison(texts, labels, groups, lacking, first=args.first_folds)
        return
    print_table(args.only or CONFIGS, texts, labels, groups, lacking, restored=not args.subject_only)
    if args.speed:
        print_speed(texts, labels.tolist())


if __name__ == "__main__":
    main()
