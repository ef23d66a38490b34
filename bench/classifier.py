"""Classifier benchmarks: intake suggestion latency, batch throughput and training time.

    .venv/bin/python bench/classifier.py                 # everything (about 15 minutes)
    .venv/bin/python bench/classifier.py --skip-million  # without the 1,000,000-ticket training
    .venv/bin/python bench/classifier.py --latency-only  # only the suggestion latency, new beside shipped

1. Suggestion latency: the full intake suggestion (category model, catalogue, urgency,
   knowledge base, similar open tickets, same incident, same phone) on a SQLite file holding
   100,000 open tickets from the last 30 days; p50/p95 over 300 calls after one warm-up call. The
   similarity indexes over them are built first, as each worker's maintainer does at boot,
   and timed separately. In the same run the shipped similar search (text n-grams and same
   phone only, without the repeat search) is timed on the same calls, alternating rounds
   (--rounds, default 5); each round prints both and the ratio, then the medians.
2. Batch throughput: predict_top over 20,000 texts in batches of 1,000 on one core.
3. Training time and peak memory, each in a fresh process: on the public labelled file
   (../shared/data) and on 1,000,000 synthetic tickets of realistic length.
"""
import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PUBLIC = ROOT.parent / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"
# One core, as the issue measures it; must be set before numpy loads.
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")


def synthetic_corpus(n, seed=7):
    """n texts built from the seed corpus's own sentences, recombined to 40–300 characters."""
    from hotline.routing.training import seed_corpus

    texts, labels = seed_corpus()
    by_label = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).extend(s for s in text.replace("！", "。").split("。") if s)
    rng, names = random.Random(seed), sorted(by_label)
    out_texts, out_labels = [], []
    for _ in range(n):
        label = rng.choice(names)
        parts, length = [], rng.randint(40, 300)
        while sum(map(len, parts)) < length:
            parts.append(rng.choice(by_label[label]))
        out_texts.append("。".join(parts))
        out_labels.append(label)
    return out_texts, out_labels


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_latency(n_tickets, rounds=5):
    from sqlalchemy import insert, select

    from config import Config
    from hotline.app import create_app
    from hotline.directory.models import Department
    from hotline.extensions import db
    from hotline.routing.similar import ticket_index
    from hotline.routing.suggest import suggest
    from hotline.routing.training import ensure_default_model
    from hotline.tickets.models import Ticket

    workdir = Path(tempfile.mkdtemp(prefix="bench-classifier-"))
    config = type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}", "SECRET_KEY": "bench",
        "HOTLINE_MODEL_DIR": str(workdir / "models")})
    app = create_app(config)
    for command in (["setup"], ["seed-demo"]):
        assert app.test_cli_runner().invoke(args=command).exit_code == 0
    now = datetime.now(UTC)
    texts, _ = synthetic_corpus(n_tickets, seed=11)
    with app.app_context():
        started = time.perf_counter()
        ensure_default_model()
        db.session.commit()
        print(f"default model trained on the seed corpus in {time.perf_counter() - started:.1f} s")
        department = db.session.scalar(select(Department.id).limit(1))
        rows = [{
            "number": f"B{i:09d}", "channel": "phone", "type": "complaint", "urgency": "normal",
            "content": text, "state": "dispatched", "department_id": department,
            "caller_phone": f"139{i:08d}", "created_at": now - timedelta(minutes=i % 43000),
            "updated_at": now, "version": 1, "reopen_count": 0, "return_count": 0,
            "revisit_attempts": 0, "extension_days": 0, "is_enterprise": False,
        } for i, text in enumerate(texts)]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Ticket), rows[start:start + 5000])
        db.session.commit()
        queries, _ = synthetic_corpus(301, seed=13)
        started = time.perf_counter()
        # What each web worker's maintainer thread does once at boot (hotline/routing/similar.py).
        ticket_index().build(now)
        db.session.rollback()
        print(f"similarity index over {n_tickets:,} tickets built in {time.perf_counter() - started:.1f} s")
        suggest(None, queries[0], "城西区桂花街道", "城西区", "13900000001", now)
        db.session.rollback()  # a request's transaction ends with the request

        def timed():
            timings = []
            for i, text in enumerate(queries[1:]):
                started = time.perf_counter()
                suggest(None, text, "城西区桂花街道", "城西区", f"139{i:08d}", now)
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            return statistics.median(timings), percentile(timings, 0.95)

        figures = {"new": [], "shipped": []}
        for round_ in range(rounds):
            for name in ("new", "shipped") if round_ % 2 == 0 else ("shipped", "new"):
                with _shipped_similar_search(name == "shipped"):
                    figures[name].append(timed())
            (n50, n95), (s50, s95) = figures["new"][-1], figures["shipped"][-1]
            print(f"  round {round_ + 1}: new p50 {n50:.1f} / p95 {n95:.1f} ms, shipped p50 {s50:.1f} / "
                  f"p95 {s95:.1f} ms, p95 ratio {n95 / s95:.2f}")
    median = {name: [statistics.median(f[i] for f in runs) for i in (0, 1)] for name, runs in figures.items()}
    ratio = statistics.median(n[1] / s[1] for n, s in zip(figures["new"], figures["shipped"], strict=True))
    print(f"suggestion latency over {n_tickets:,} stored tickets, medians of {rounds} rounds: "
          f"p50 {median['new'][0]:.1f} ms, p95 {median['new'][1]:.1f} ms (target p95 < 10 ms); "
          f"shipped search p50 {median['shipped'][0]:.1f} ms, p95 {median['shipped'][1]:.1f} ms; "
          f"p95 ratio {ratio:.2f} (target ≤ 1.2)")


@contextlib.contextmanager
def _shipped_similar_search(active):
    """Within it, suggestions search similar tickets as shipped before the repeat search: text
    n-grams of what was said and the same phone, no repeat index and no incident grouping."""
    from flask import current_app
    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.routing import similar, suggest
    from hotline.tickets.models import Ticket
    from hotline.tickets.workflow import OPEN_STATES

    def find_similar(text, phone, now, exclude_id=None, limit=5, address=None, groups=None):
        config = current_app.config
        index = similar.ticket_index().current(now)
        since = (now - timedelta(days=config["HOTLINE_SIMILAR_DAYS"])).timestamp()
        hits = index.query(text, k=limit * 3, since=since, exclude={exclude_id} if exclude_id else (),
                           min_score=config["HOTLINE_SIMILAR_MIN_SCORE"]) if index else []
        found = {}
        if hits:
            scores = dict(hits)
            for ticket_id, number in db.session.execute(
                select(Ticket.id, Ticket.number).where(Ticket.id.in_(scores), Ticket.state.in_(OPEN_STATES))
            ):
                found[number] = {"number": number, "score": round(scores[ticket_id], 3), "reason": "text"}
        if phone:
            for number, in db.session.execute(
                select(Ticket.number).where(Ticket.caller_phone == phone, Ticket.id != (exclude_id or 0))
                .order_by(Ticket.id.desc()).limit(limit)
            ):
                found.setdefault(number, {"number": number, "score": 1.0, "reason": "same_phone"})
        return sorted(found.values(), key=lambda s: (-s["score"], s["number"]))[: limit * 2]

    saved = suggest.find_similar, suggest.repeat_group
    if active:
        suggest.find_similar, suggest.repeat_group = find_similar, lambda found, groups=None: None
    try:
        yield
    finally:
        suggest.find_similar, suggest.repeat_group = saved


def bench_throughput():
    from classifier.train import train

    texts, labels = synthetic_corpus(20_000, seed=5)
    model = train(texts[:4000], labels[:4000])
    model.predict_top(texts[:100])
    started = time.perf_counter()
    for start in range(0, len(texts), 1000):
        model.predict_top(texts[start:start + 1000], k=3)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"batch throughput: {rate:,.0f} tickets/s on one core (target ≥ 500)")


def train_in_child(source, n):
    """Train in a fresh process so that peak memory is the training's own."""
    out = subprocess.run([sys.executable, __file__, "--train-child", source, str(n)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _process_tree(root):
    """{pid: (resident bytes, CPU seconds so far)} of a process and all its descendants."""
    children, usage = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
                usage[int(entry.name)] = (int(fields[21]) * os.sysconf("SC_PAGE_SIZE"),
                                          (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
            except (OSError, IndexError, ValueError):
                continue  # a process that ended while being read
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in usage:
            tree[pid] = usage[pid]
        stack.extend(children.get(pid, ()))
    return tree


class _PeakMemory:
    """Samples the process tree's resident memory in a thread, for the peak over a training."""

    def __init__(self, every=0.2):
        import threading

        self.peak, self._every, self._stop = 0.0, every, threading.Event()
        self._cpu = {}  # the last CPU seconds seen of each process in the tree
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(self._every):
            tree = _process_tree(os.getpid())
            self.peak = max(self.peak, sum(rss for rss, _ in tree.values()) / 2**30)
            self._cpu.update((pid, cpu) for pid, (_, cpu) in tree.items())

    @property
    def cpu_seconds(self):
        """CPU time of the tree's processes, which contention from other jobs does not inflate much."""
        return sum(self._cpu.values())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def train_child(source, n):
    from classifier import pipeline
    from classifier.train import train

    stages = {}
    fit_features = pipeline.TextFeatures.fit_transform

    def timed_fit_features(self, texts, y=None):
        started = time.perf_counter()
        try:
            return fit_features(self, texts, y)
        finally:
            stages["features_s"] = stages.get("features_s", 0) + round(time.perf_counter() - started, 1)

    pipeline.TextFeatures.fit_transform = timed_fit_features  # only to report the time of the two steps

    if source == "public":
        import csv

        with open(PUBLIC, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        texts = [f"{r['subject']}\n{r['text']}".strip() for r in rows]
        labels = [r["label"] for r in rows]
    else:
        texts, labels = synthetic_corpus(n)
    started = time.perf_counter()
    with _PeakMemory() as memory:
        train(texts, labels)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    stages["classifier_s"] = round(seconds - stages.get("features_s", 0), 1)
    # peak_gib is this process's own; peak_tree_gib adds the worker processes that analyse texts
    # (sampled five times a second, so a short spike may be missed).
    print(json.dumps({"n": len(texts), "seconds": round(seconds, 1), "peak_gib": round(peak, 2),
                      "peak_tree_gib": round(max(memory.peak, peak), 2),
                      "cpu_s": round(memory.cpu_seconds, 1)} | stages))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the same-run latency comparison")
    parser.add_argument("--latency-only", action="store_true", help="only the suggestion latency")
    parser.add_argument("--train-child", nargs=2, metavar=("SOURCE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_child:
        return train_child(args.train_child[0], int(args.train_child[1]))
    bench_latency(args.tickets, args.rounds)
    if args.latency_only:
        return None
    bench_throughput()
    if PUBLIC.exists():
        result = train_in_child("public", 0)
        print(f"training on the public file ({result['n']:,} texts): {result['seconds']} s "
              f"(features {result['features_s']} s, classifier {result['classifier_s']} s), "
              f"peak {result['peak_tree_gib']} GiB with worker processes")
    else:
        print(f"training on the public file: skipped ({PUBLIC} not found)")
    if not args.skip_million:
        result = train_in_child("synthetic", 1_000_000)
        print(f"training on {result['n']:,} synthetic tickets: {result['seconds']} s "
              f"(features {result['features_s']} s, classifier {result['classifier_s']} s), "
              f"peak {result['peak_tree_gib']} GiB with worker processes (targets < 600 s, < 8 GiB)")


if __name__ == "__main__":
    main()
