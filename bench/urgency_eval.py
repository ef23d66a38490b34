"""Urgency detection: grouped cross-validation on our corpus, the frozen held-out set, real public messages, latency."""

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier import urgency

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def score(rows, predict):
    """Figures for rows (text, level, line, group) and a text → Urgency function, plus the misses."""
    emergencies = [r for r in rows if r[1] == "emergency"]
    others = [r for r in rows if r[1] != "emergency"]
    flags = {r[0]: predict(r[0]) for r in rows}
    caught = [r for r in emergencies if flags[r[0]].level == "emergency"]
    right_line = [r for r in caught if flags[r[0]].transfer_hint == r[2]]
    false = [r for r in others if flags[r[0]].level == "emergency"]
    urgent = [r for r in others if r[1] == "urgent"]
    called_urgent = [r for r in others if flags[r[0]].level == "urgent"]
    hits = [r for r in urgent if flags[r[0]].level == "urgent"]
    return {
        "emergencies": len(emergencies), "non_emergencies": len(others),
        "recall": len(caught) / len(emergencies), "recall_right_line": len(right_line) / len(emergencies),
        "false_emergency_rate": len(false) / len(others),
        "urgent_recall": len(hits) / max(1, len(urgent)),
        "urgent_precision": len(hits) / max(1, len(called_urgent)),
        "non_emergency_level_accuracy": sum(flags[r[0]].level == r[1] for r in others) / len(others),
        "misses": [(r, flags[r[0]]) for r in emergencies if r not in right_line],
        "false_alarms": [(r, flags[r[0]]) for r in false],
    }


def cross_validate(rows, folds, thresholds):
    """Each threshold's figures over grouped folds: every text is judged by models that never saw its group."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    levels, groups = [r[1] for r in rows], [r[3] for r in rows]
    predictions = {t: {} for t in thresholds}
    for train_index, test_index in splitter.split(rows, levels, groups):
        trained = urgency.train([rows[i] for i in train_index])
        for t in thresholds:
            predictions[t].update({rows[i][0]: urgency.judge(rows[i][0], trained, threshold=t) for i in test_index})
    return {t: score(rows, predictions[t].__getitem__) for t in thresholds}


def public_messages():
    with open(PUBLIC, encoding="utf-8", newline="") as handle:
        return [(row["row"], "\n".join(p for p in (row["subject"], row["text"]) if p))
                for row in csv.DictReader(handle)]


def latency(texts, repeats=3):
    """Median and p95 microseconds per detect() call, the model already trained."""
    urgency.detect(texts[0])
    timings = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            urgency.detect(text)
            timings.append((time.perf_counter() - start) * 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * len(timings))]


def show(name, figures, misses=True):
    print(f"{name}: {figures['emergencies']} emergencies, {figures['non_emergencies']} non-emergencies")
    print(f"  emergency recall {figures['recall']:.1%}, with the right line {figures['recall_right_line']:.1%}")
    print(f"  false emergencies {figures['false_emergency_rate']:.1%}; urgent recall {figures['urgent_recall']:.1%}, "
          f"precision {figures['urgent_precision']:.1%}; non-emergency level accuracy "
          f"{figures['non_emergency_level_accuracy']:.1%}")
    if misses:
        for (text, level, line, _), flag in figures["misses"]:
            print(f"    MISS {level}/{line} → {flag.level}/{flag.transfer_hint}: {text}")
        for (text, level, _, _), flag in figures["false_alarms"]:
            print(f"    FALSE {level} → emergency/{flag.transfer_hint}: {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-only", action="store_true", help="tuning: leave the held-out and public sets unread")
    args = parser.parse_args()
    rows = urgency.read_corpus()
    print(f"corpus: {len(rows)} rows, {Counter(r[1] for r in rows)}, {len({r[3] for r in rows})} groups")
    results = cross_validate(rows, args.folds, sorted(set(THRESHOLDS) | {urgency.EMERGENCY_THRESHOLD}))
    for threshold, figures in results.items():
        chosen = threshold == urgency.EMERGENCY_THRESHOLD
        show(f"grouped {args.folds}-fold CV, threshold {threshold}{' (shipped)' if chosen else ''}", figures, chosen)
    if args.cv_only:
        return
    start = time.perf_counter()
    urgency.model()
    print(f"training on the whole corpus: {time.perf_counter() - start:.2f} s")
    show("held-out set (frozen, never tuned on)", score(urgency.read_corpus([urgency.HOLDOUT]), urgency.detect))
    if PUBLIC.exists():
        messages = public_messages()
        flagged = [(row, text) for row, text in messages if urgency.detect(text).level == "emergency"]
        urgent = sum(urgency.detect(text).level == "urgent" for _, text in messages)
        print(f"public messages ({PUBLIC.name}): {len(flagged)} of {len(messages)} flagged emergency "
              f"({len(flagged) / len(messages):.2%}), {urgent} urgent")
        for row, text in flagged:
            flag = urgency.detect(text)
            shown = " / ".join(text.splitlines())[:120]
            print(f"    row {row} → {flag.transfer_hint} {'/'.join(flag.phrases)}: {shown}")
        typical = [text[:100] for _, text in messages if len(text) >= 100][:2000]
    else:
        print(f"public messages: {PUBLIC} is absent, skipped")
        typical = [r[0] for r in rows]
    with_cue = [text for text in typical if urgency._CUE.search(text)]
    for name, texts in (("100-character public messages", typical), ("  of which with a danger cue", with_cue),
                        ("corpus texts (all with cues)", [r[0] for r in rows])):
        median, p95 = latency(texts)
        print(f"detect() latency on {len(texts)} {name}: median {median:.0f} µs, p95 {p95:.0f} µs")


if __name__ == "__main__":
    main()
