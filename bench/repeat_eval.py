"""Repeat calls: recall and false top matches of the similar-ticket search on two frozen sets.

    .venv/bin/python bench/repeat_eval.py                  # both sets, 3,000 background tickets
    .venv/bin/python bench/repeat_eval.py --background 0   # without background tickets

Each set is replayed in time order: every call is searched among the earlier calls (open tickets of
the last 30 days) and the background, then indexed. recall = share of repeats (calls with an earlier
call of their incident in the window) that are offered one of those earlier calls among the 5 shown;
false top = share of calls with any match whose top match is not of their incident (first calls and
unrelated calls included). The shipped search (character n-grams of what was said) runs beside the
new one (the same plus same place AND same problem) in the same run.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import replay


def show(name, calls, backdrop, idf):
    started = time.perf_counter()
    results = replay.replay(calls, backdrop, idf)
    incidents = len({c.incident for c in calls})
    print(f"{name}: {len(calls)} calls, {incidents} incidents, {len(backdrop):,} background tickets "
          f"({time.perf_counter() - started:.1f} s)")
    for search, r in results.items():
        print(f"  {search:8s} recall {r.recall:6.1%} ({r.found}/{r.repeats} repeats)   "
              f"false top {r.false_top_rate:6.1%} ({r.false_top}/{r.topped} calls with a match)")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", type=int, default=3000)
    args = parser.parse_args()
    idf = [text for text, _ in replay.seed_texts()]
    backdrop = replay.background(args.background)
    print("targets: recall ≥ 90 %, false top ≤ 10 %")
    show("team-written set (classifier/data/repeats/team.csv)", replay.team_calls(), backdrop, idf)
    real = replay.real_calls()
    if real is None:
        print(f"real messages: skipped ({replay.LIKES} not found)")
    else:
        show("real messages (classifier/data/repeats/teddy_likes_groups.csv)", real, backdrop, idf)


if __name__ == "__main__":
    main()
