"""Replaying an evaluation set of calls in time order against the repeat search (bench/repeat_eval.py).

Each call is searched among the calls before it (indexed as open tickets within the window) and a
background of unrelated open tickets, then indexed itself. Two searches are replayed side by side:
the shipped one (character n-gram TF-IDF over what the caller said, without the address) and the
new one (the shipped hits plus same place AND same problem, `classifier.repeats`).
"""
import csv
import random
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from classifier.pipeline import compose_text
from classifier.repeats import RepeatIndex
from classifier.similar import SimilarityIndex

DATA_DIR = Path(__file__).parent / "data"
TEAM_SET = DATA_DIR / "repeats" / "team.csv"
REAL_GROUPS = DATA_DIR / "repeats" / "teddy_likes_groups.csv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LIKES = SHARED / "teddy2020c_fj3_likes4326.csv"
PUBLIC = SHARED / "teddy2020c_fj2_labeled_public.csv"
WINDOW_DAYS = 30
SHIPPED_MIN_SCORE = 0.35  # HOTLINE_SIMILAR_MIN_SCORE's default
OFFERED = 5               # the similar tickets intake shows


@dataclass
class Call:
    key: str        # row id in its set
    incident: str   # calls of one incident share it; unrelated calls have their own
    time: float     # POSIX seconds
    said: str       # subject and content
    address: str = ""

    @property
    def text(self):
        return compose_text(None, self.said, self.address)


def team_calls(path=TEAM_SET):
    start = datetime(2026, 3, 1).timestamp()
    with open(path, encoding="utf-8") as f:
        return [Call(r["call"], r["incident"], start + 60 * int(r["minute"]), r["content"], r["address"])
                for r in csv.DictReader(f)]


_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def _posted(value):
    year, month, day = map(int, _DATE.match(value).groups())
    return datetime(year, month, day, 12).timestamp()


def real_calls(groups=REAL_GROUPS, likes=LIKES):
    """The hand-grouped real messages, texts read from ../shared/data; None when that file is absent."""
    if not Path(likes).exists():
        return None
    with open(groups, encoding="utf-8") as f:
        grouping = {r["id"]: r["group"] or f"single-{r['id']}" for r in csv.DictReader(f)}
    with open(likes, encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f) if r["id"] in grouping}
    return [Call(i, grouping[i], _posted(rows[i]["time"]) + int(i) % 3600, compose_text(rows[i]["subject"],
                                                                                         rows[i]["text"]))
            for i in grouping if i in rows]


def seed_texts():
    texts = []
    for path in sorted((DATA_DIR / "seed").glob("*.csv")):
        with open(path, encoding="utf-8") as f:
            texts += [(compose_text(r["subject"], r["text"]), r.get("address") or "") for r in csv.DictReader(f)]
    return texts


def background(n, seed=5):
    """n unrelated open tickets: the seed corpus, then public messages from ../shared/data if present."""
    texts = seed_texts()
    if PUBLIC.exists() and n > len(texts):
        with open(PUBLIC, encoding="utf-8") as f:
            public = [(compose_text(r["subject"], r["text"]), "") for r in csv.DictReader(f)]
        random.Random(seed).shuffle(public)
        texts += public[: n - len(texts)]
    return texts[:n]


@dataclass
class Result:
    calls: int
    repeats: int
    found: int       # repeats offered an earlier call of their incident
    topped: int      # calls that got a top match
    false_top: int   # … whose top match is an unrelated call

    @property
    def recall(self):
        return self.found / self.repeats if self.repeats else 0.0

    @property
    def false_top_rate(self):
        return self.false_top / self.topped if self.topped else 0.0


def replay(calls, backdrop=(), idf_texts=(), window_days=WINDOW_DAYS):
    """{"shipped": Result, "new": Result} for the calls replayed in time order."""
    calls = sorted(calls, key=lambda c: (c.time, c.key))
    window = window_days * 86400
    first, last = calls[0].time, calls[-1].time
    shipped, repeats = SimilarityIndex(idf_texts), RepeatIndex(idf_texts)
    rng = random.Random(3)
    ids, said, texts, times = [], [], [], []
    for i, (text, address) in enumerate(backdrop):
        ids.append(-1 - i)
        said.append(text)
        texts.append(compose_text(None, text, address))
        times.append(rng.uniform(first - window, last))
    if ids:
        shipped.add(ids, said, times)
        repeats.add(ids, texts, times)
    incident_of = {}
    tally = {name: [0, 0, 0, 0] for name in ("shipped", "new")}
    for n, call in enumerate(calls):
        since = call.time - window
        earlier = {n2 for n2, c in incident_of.items() if c[0] == call.incident and c[1] >= since}
        text_hits = [(i, s) for i, s in shipped.query(call.said, k=OFFERED * 3, since=since,
                                                      min_score=SHIPPED_MIN_SCORE)
                     if i < 0 or incident_of[i][1] <= call.time]
        offers = {"shipped": [i for i, _ in text_hits][:OFFERED],
                  "new": [o["id"] for o in repeats.offers(call.text, text_hits, OFFERED, since=since)]}
        for name, offered in offers.items():
            counts = tally[name]
            if earlier:
                counts[0] += 1
                counts[1] += bool(earlier & set(offered))
            if offered:
                counts[2] += 1
                counts[3] += offered[0] not in earlier
        incident_of[n] = (call.incident, call.time)
        shipped.add([n], [call.said], [call.time])
        repeats.add([n], [call.text], [call.time])
    return {name: Result(len(calls), *counts) for name, counts in tally.items()}
