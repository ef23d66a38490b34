"""Repeat calls: the same incident told in other words is the same place AND the same problem.

A call's places (estate, village, road, town, project, school … from the address and the content)
are found by their name endings (小区, 花园, 村, 路 …) and by the text that follows a road in an
address (联丰路米兰春天G2栋 → 米兰春天). Two calls share a place when a place name of one occurs in the
other; the index also looks up every name it has seen in the text of a new call, so a place written
only in one call's address still matches a call that names it in passing. Districts (A3区, 城西区)
are too wide to count.

The problem is compared as topic: word TF-IDF over jieba tokens without the place names, plus the
problem kinds of `data/problem_kinds.txt` (停水/没水/断水 are one kind), by cosine. Neither alone makes
a repeat: the same estate with another problem, or the same problem elsewhere, is not one.
"""
import functools
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.similar import row_spans
from classifier.tokenize import tokenize

KINDS_FILE = Path(__file__).parent / "data" / "problem_kinds.txt"

# Weight of a shared place by how narrowly it places the incident.
PLACE_WEIGHTS = {"estate": 1.0, "site": 1.0, "road": 0.7, "town": 0.7, "street": 0.4}
# Where people live; two calls that each name one and share none are from two places.
_RESIDENTIAL = frozenset("小区 花园 家园 新村 新城 公寓 公租房 宿舍 苑 府 湾 城 庭 园 村".split())
# A repeat needs a shared place at least this narrow and a topic at least this similar.
MIN_PLACE = 0.7
MIN_TOPIC = 0.3
# How much the topic (rather than the place) counts in the score the operator sees.
TOPIC_SHARE = 0.7
# The share of the problem kinds in the topic similarity; the words have the rest.
KIND_SHARE = 0.6
# A place named in very many recent calls is looked at only in its newest calls.
MAX_POSTING = 400
# At most this many calls sharing a place are compared by topic (the newest), and the places of at most
# CLOSEST × k of the most similar are weighed: a query costs the same however large the index grows.
MAX_CANDIDATES = 150
CLOSEST = 3

_ESTATE_ENDINGS = "|".join("""小区 花园 家园 新村 新城 公寓 大厦 广场 公租房 宿舍 工地 项目 火车站 汽车站 高铁站
    地铁站 车站 中学 小学 学校 学院 幼儿园 医院 公园 菜市场 市场 商场 工业园 科技园 产业园 社区
    村 苑 府 湾 城 庭 园""".split())
_ROAD_ENDINGS = "大道|路|街|巷"
_TOWN_ENDINGS = "街道|镇|乡"
_KIND_OF_ENDING = {"街道": "street", "镇": "town", "乡": "town",
                   "大道": "road", "路": "road", "街": "road", "巷": "road"}
_CJK = "\u4e00-\u9fa5"
_ENDING = re.compile(rf"(?:{_TOWN_ENDINGS}|{_ROAD_ENDINGS}|{_ESTATE_ENDINGS})(?!管|舞|街道|镇)")
_NAME_CHARS = re.compile(rf"[{_CJK}A-Za-z0-9]+$")
# In an address line, what follows a road up to a building number or the end names the estate.
_AFTER_ROAD = re.compile(rf"(?:大道|路|街(?!道)|巷)([{_CJK}]{{2,8}}?)(?=[A-Za-z0-9\s]|栋|号楼|幢|单元|小区|$)")
_BEFORE_NUMBER = re.compile(rf"(?:大道|路|街(?!道)|巷)([{_CJK}]{{2,8}}?)"
                            r"(?=[A-Za-z]?\d+(?:栋|号|幢|单元)|栋|号楼|幢|单元|小区)")
_ADDRESS_LINE = re.compile(r"^[^，。！？；,!?;]{2,40}$")
_ADMIN = re.compile(r"[A-Z]\d*[市县区]|西地省"
                    r"|(?:^|(?<=[，。、；\s]))[\u4e00-\u9fa5]{2}(?:[区县]|市(?![场民]))")
# Words that end a place name on the left: 我住在翠湖花园 → 翠湖花园.
_LEFT_CUT = re.compile(".*(?:" + "|".join("""我们 我家 住在 位于 地处 反映 投诉 举报 关于 这个 那个 整个 旁边 附近
    隔壁 对面 门口 整条 一条 这条 那条 要求 希望 请求 建议 咨询 请问 几天 今天 昨天 每天 天天 现在 一直 已经 突然
    最近""".split()) + "|[的在是住了到从把被给让个该这那])")
_GENERIC = frozenset("""我们 我家 本 该 整个 附近 周边 周围 旁边 隔壁 这个 那个 咱们 老 新 大 小 同 一 全 各 个 所
    安置 住宅 居民 农村 城市 城 城区 老城 市区 郊区 县城 乡村 这条 那条 马 马路 道路 公路 铁路 村里 村民 本村 该村 邻村
    一条 这 那 一个 地铁 地铁站 公交 公交站 菜 农贸 建筑 施工 学校 花园 家园 新村 新城 公寓 大厦 公租房 宿舍
    幼儿园 菜市场 商场 小学 中学 医院 公园 广场 市场 社区 小区 项目 工地 车站 公司 工厂 政府 街道 镇上 全镇 全村
    外 里 上 下 前 后 家 户 人 路 街 村 城 园 府 苑 湾 庭 居 大街 小巷 大道 一路 二路 三路 出租 进 出 公共
    小区里""".split())
_NAMED_BY_ENDING = frozenset({"火车站", "汽车站", "高铁站", "科技园", "工业园", "产业园"})
_LEFT_STRIP = "上下有是的一那这在就都也还把被让给从到很太又再才已正"
_NOT_ROAD = frozenset("马封修过走上一条段堵拦挡铁公道小线")
_START_STOP = frozenset("上下有是的一那这在旁边中段口里就都也还把被让给从到和与及对向为很太又再才已正")


@dataclass(frozen=True)
class Place:
    name: str   # as written, e.g. 翠湖花园小区
    core: str   # what another call must contain to share it, e.g. 翠湖花园
    kind: str   # estate, road or town


@dataclass(frozen=True)
class Doc:
    text: str
    places: tuple
    kinds: frozenset
    terms: dict  # token → count, place names left out


def _core(name, ending):
    """The part of a name another caller would say too: 马家湾村 → 马家湾, 米兰春天小区 → 米兰春天."""
    if ending in ("小区", "社区", "村", "镇", "乡", "街道") and len(name) >= 2:
        return name
    return name + ending


def _clean(name):
    name = _LEFT_CUT.sub("", name).lstrip(_LEFT_STRIP)
    return name[-6:]


# A call is analysed twice in the process that takes it: as intake's query, then, at the next request's
# top-up, as an indexed call. What the two share (its places and problem kinds) is kept for a few calls.
_RECENT_TEXTS = 256


@functools.lru_cache(maxsize=_RECENT_TEXTS)
def extract_places(text):
    """The places a text names (estates, villages, roads, towns), most specific kind first, once each."""
    text = _ADMIN.sub(" ", text or "")
    found, name_from = {}, 0
    for match in _ENDING.finditer(text):
        ending = match.group()
        before = _NAME_CHARS.search(text[max(name_from, match.start() - 8):match.start()])
        name = _clean(before.group()) if before else ""
        if not name and ending in _NAMED_BY_ENDING:
            name = ""  # a city has one 火车站: the ending alone names it
        elif len(name) < 2 or name in _GENERIC or (name + ending) in _GENERIC:
            continue
        if ending == "府" and name.endswith("政"):
            continue  # 政府 is no estate
        kind = _KIND_OF_ENDING.get(ending, "estate" if ending in _RESIDENTIAL else "site")
        if kind == "road" and (not name or name[-1] in _NOT_ROAD or not re.search(f"[{_CJK}]$", name)):
            continue  # 马路, 封路, 一路上, 12路 (a bus) are no road's name
        core = _core(name, ending)
        if len(core) >= 2 and core not in _GENERIC:
            found.setdefault(core, Place(name + ending, core, kind))
            name_from = match.end()
    lines = text.splitlines()
    for number, line in enumerate(lines):
        line = line.strip()
        # The address is the last of a ticket's lines (compose_text); in others a number must follow.
        pattern = _AFTER_ROAD if number == len(lines) - 1 > 0 and _ADDRESS_LINE.match(line) else _BEFORE_NUMBER
        for match in pattern.finditer(line):
            name = match.group(1)
            if name[0] not in _START_STOP and name not in _GENERIC and \
                    not any(name in c or c in name for c in found):
                found.setdefault(name, Place(name, name, "estate"))
    order = {"estate": 0, "site": 1, "road": 2, "town": 3, "street": 4}
    return tuple(sorted(found.values(), key=lambda p: (order[p.kind], p.core)))


def _load_kinds(path=KINDS_FILE):
    kinds = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, words = line.partition(":")
            kinds.append((name.strip(), tuple(words.split())))
    return tuple(kinds)


KINDS = _load_kinds()
# The kinds' words by their first character: a text is searched only for the words that start with one
# of its own characters (a few dozen of the 250).
def _by_first_character(kinds):
    found = {}
    for name, words in kinds:
        for word in words:
            found.setdefault(word[0], []).append((word, name))
    return found


_KIND_WORDS_BY_FIRST = _by_first_character(KINDS)


@functools.lru_cache(maxsize=_RECENT_TEXTS)
def problem_kinds(text):
    """The problem kinds a text mentions (a frozenset of kind names)."""
    found = set()
    for char in set(text):
        for word, name in _KIND_WORDS_BY_FIRST.get(char, ()):
            if name not in found and word in text:
                found.add(name)
    return frozenset(found)


_NOT_TOPIC = re.compile(r"^(?:[a-z]?\d+[a-z]?|[a-z])$")


def analyze(text, extra_places=(), places=None):
    """A call's places, problem kinds and topic words (words inside a place name left out)."""
    places = extract_places(text) if places is None else places
    names = "|".join([p.core for p in places] + list(extra_places))
    terms = Counter(w for w in tokenize(text) if not _NOT_TOPIC.match(w) and w not in names)
    return Doc(text, places, problem_kinds(text), dict(terms))


def place_strength(shared, query_places, other_places, ours=None):
    """How narrowly the shared place names (cores) place both calls at one spot, 0–1.

    A name counts as the wider of what it is in either call (东湖村 in one, 东湖街道 in the other: a
    street); a call that only mentions a name takes the other's reading of it. Two calls that each
    name an estate but share only a road are in two estates: no shared place. `ours`, the query's
    places as {core: kind}, may be given by a caller that weighs many candidates.
    """
    ours = {p.core: p.kind for p in query_places} if ours is None else ours
    theirs = {p.core: p.kind for p in other_places}

    def weight(core):
        kinds = [k for k in (ours.get(core), theirs.get(core)) if k] or ["estate"]
        return min(PLACE_WEIGHTS[k] for k in kinds)

    strength = max((weight(core) for core in shared), default=0.0)
    estates = {c for c, k in ours.items() if k == "estate"}, {c for c, k in theirs.items() if k == "estate"}
    if all(estates) and not any(ours.get(c, theirs.get(c)) == "estate" == theirs.get(c, ours.get(c))
                                for c in shared):
        return 0.0
    return strength


def combine(topic, place):
    """The score of a candidate repeat, or None when it is not one (place or topic too weak)."""
    if place < MIN_PLACE or topic < MIN_TOPIC:
        return None
    return TOPIC_SHARE * topic + (1 - TOPIC_SHARE) * place


class Vocabulary:
    """Topic features (words and problem kinds) as integer ids with IDF weights from reference texts."""

    def __init__(self, idf_texts=()):
        self._ids = {}
        self._words = {}  # word → (feature id, IDF): one look-up per word of a query
        self._lock = threading.Lock()
        documents = [set(analyze(t).terms) for t in idf_texts]
        n = len(documents)
        frequency = Counter(w for d in documents for w in d)
        self._idf = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in frequency.items()}
        self._unseen_idf = math.log(1 + n) + 1

    def __len__(self):
        return len(self._ids)

    def _id(self, feature):
        found = self._ids.get(feature)
        if found is None:
            with self._lock:
                found = self._ids.setdefault(feature, len(self._ids))
        return found

    def vector(self, doc):
        """(feature ids, weights) of a Doc: the words (sublinear TF × IDF) scaled to norm √(1 − KIND_SHARE),
        the problem kinds to norm √KIND_SHARE, so that the dot product of two vectors is
        (1 − KIND_SHARE) × word cosine + KIND_SHARE × kind cosine."""
        words = {}
        for word, count in doc.terms.items():
            entry = self._words.get(word)
            if entry is None:
                entry = self._words.setdefault(word, (self._id("w:" + word), self._idf.get(word, self._unseen_idf)))
            words[entry[0]] = (1 + math.log(count)) * entry[1]
        kinds = {self._id("k:" + k): 1.0 for k in doc.kinds}
        ids, values = [], []
        for block, share in ((words, 1 - KIND_SHARE), (kinds, KIND_SHARE)):
            if block:
                norm = math.sqrt(sum(v * v for v in block.values()) / share)
                ids += block
                values += [v / norm for v in block.values()]
        return np.asarray(ids, np.int64), np.asarray(values, np.float32)


def topic_similarity(vocabulary, a, b):
    """Cosine of two Docs' topic vectors."""
    (ia, va), (ib, vb) = vocabulary.vector(a), vocabulary.vector(b)
    common, pa, pb = np.intersect1d(ia, ib, return_indices=True)
    return float((va[pa] * vb[pb]).sum()) if len(common) else 0.0


@dataclass(frozen=True)
class Repeat:
    id: int
    score: float
    topic: float
    place: str  # the shared place name that counted most
    kind: str   # its kind: estate, road, town or street


class _Growing:
    """A 1-d array appended to in place, its capacity doubled when full; view() is what it holds."""

    def __init__(self, dtype, initial=()):
        self._data = np.zeros(max(16, len(initial)), dtype)
        self._length = 0
        self.extend(initial)

    def __len__(self):
        return self._length

    def extend(self, values):
        values = np.asarray(values, self._data.dtype)
        end = self._length + len(values)
        if end > len(self._data):
            grown = np.zeros(max(end, 2 * len(self._data)), self._data.dtype)
            grown[:self._length] = self._data[:self._length]
            self._data = grown  # a query holding the old array keeps reading it unchanged
        self._data[self._length:end] = values
        self._length = end

    def view(self):
        return self._data[:self._length]


class RepeatIndex:
    """Recent calls by place name and topic; query() finds the earlier calls of the same incident.

    Thread-safe: adding takes a lock, queries read a consistent snapshot of the arrays.
    """

    def __init__(self, idf_texts=()):
        self.vocabulary = Vocabulary(idf_texts)
        self._lock = threading.Lock()
        self._ids, self._times, self._places, self._alive = [], [], [], []
        self._row_of = {}
        self._postings = {}  # place core → its rows in order of adding (a _Growing array)
        self._kind = {}      # place core → kind
        # The first two characters of every place core → the lengths of the cores that start so. Changed in
        # place: known_places() only looks values up, which a concurrent change cannot disturb.
        self._starts = {}
        # The rows' topic vectors, flat, and per row its id, time and whether it is still open: arrays
        # that grow by doubling, so that adding one call costs its own size, not the index's.
        self._indptr = _Growing(np.int64, [0])
        self._features = _Growing(np.int64)
        self._weights = _Growing(np.float32)
        self._max_feature = -1
        self._pending = []   # (features, weights) not yet appended to the flat arrays
        self._alive_grow = _Growing(bool)
        self._time_grow = _Growing(np.float64)
        self._id_grow = _Growing(np.int64)

    def __len__(self):
        return sum(self._alive)

    def add(self, ids, texts, times):
        """Index texts under integer ids with their times (POSIX seconds)."""
        docs = [analyze(t) for t in texts]
        vectors = [self.vocabulary.vector(d) for d in docs]
        with self._lock:
            posted = {}  # place core → the rows of this batch that name it
            for id_, time_, doc, vector in zip(ids, times, docs, vectors, strict=True):
                row = len(self._ids)
                self._ids.append(int(id_))
                self._times.append(float(time_))
                self._places.append(doc.places)
                self._alive.append(True)
                self._row_of[int(id_)] = row
                for place in doc.places:
                    if place.core not in self._kind:
                        self._kind[place.core] = place.kind
                        lengths = self._starts.get(place.core[:2], ())
                        if len(place.core) not in lengths:
                            self._starts[place.core[:2]] = tuple(sorted((*lengths, len(place.core))))
                    posted.setdefault(place.core, []).append(row)
                self._pending.append(vector)
            for core, rows in posted.items():
                postings = self._postings.get(core)
                if postings is None:
                    self._postings[core] = _Growing(np.int64, rows)
                else:
                    postings.extend(rows)
            self._flush()

    def _flush(self):
        if not self._pending:
            return
        done = len(self._alive_grow)
        self._alive_grow.extend(self._alive[done:])
        self._time_grow.extend(self._times[done:])
        self._id_grow.extend(self._ids[done:])
        lengths = np.fromiter((len(f) for f, _ in self._pending), np.int64, len(self._pending))
        self._indptr.extend(self._indptr.view()[-1] + np.cumsum(lengths))
        for features, weights in self._pending:
            self._features.extend(features)
            self._weights.extend(weights)
            if len(features):
                self._max_feature = max(self._max_feature, int(features.max()))
        self._pending = []

    # Views of the grown arrays, as queries read them.
    @property
    def _alive_rows(self):
        return self._alive_grow.view()

    @property
    def _time_rows(self):
        return self._time_grow.view()

    @property
    def _id_rows(self):
        return self._id_grow.view()

    def retain(self, wanted_ids):
        """Keep only the ids in `wanted_ids` (still open and recent); the others are never offered again."""
        wanted = set(wanted_ids)
        with self._lock:
            alive = self._alive_grow.view()
            for row, id_ in enumerate(self._ids):
                if id_ not in wanted:
                    self._alive[row] = False
                    if row < len(alive):
                        alive[row] = False

    def known_places(self, text):
        """The place names seen in indexed calls that occur in `text` (core → kind)."""
        found = {}
        starts, kinds = self._starts, self._kind
        for start in range(len(text) - 1):
            lengths = starts.get(text[start:start + 2])
            if lengths:
                for length in lengths:
                    name = text[start:start + length]
                    kind = kinds.get(name)
                    if kind is not None:
                        found[name] = kind
        return found

    def _analyze_query(self, text):
        """(Doc, known): the call's own places and words, and the names seen before that it mentions.

        A name seen elsewhere that is only part of one of this call's names is another name (新华 in 新华街)."""
        places = extract_places(text)
        own = {p.core for p in places}
        known = {c: k for c, k in self.known_places(text).items()
                 if c in own or not any(c in core for core in own)}
        return analyze(text, extra_places=known, places=places), known

    def query(self, text, k=5, since=None, exclude=(), analyzed=None):
        """The earlier calls of the same incident, best first: [Repeat]."""
        doc, known = analyzed or self._analyze_query(text)
        keys = {p.core for p in doc.places} | set(known)
        if not keys:
            return []
        features, weights = self.vocabulary.vector(doc)
        with self._lock:
            indptr, flat_features, flat_weights = self._indptr.view(), self._features.view(), self._weights.view()
            alive, times, width = self._alive_rows, self._time_rows, max(len(self.vocabulary), self._max_feature + 1)
            postings = [self._postings[key].view()[-MAX_POSTING:] for key in keys if key in self._postings]
        if not postings:
            return []
        rows = _union(postings)
        keep = alive[rows]
        if since is not None:
            keep &= times[rows] >= since
        rows = rows[keep]
        if exclude and len(rows):
            rows = rows[~np.isin(self._id_rows[rows], list(exclude))]
        rows = rows[-MAX_CANDIDATES:]  # rows are in order of adding: the newest calls
        if not len(rows):
            return []
        topics = _dot_rows(indptr, flat_features, flat_weights, rows, features, weights, width)
        # Only a candidate similar enough in topic can be a repeat: the places are weighed for the closest.
        close = np.flatnonzero(topics >= MIN_TOPIC)
        close = close[np.argsort(-topics[close], kind="stable")[:CLOSEST * k]]
        found, ours = [], {p.core: p.kind for p in doc.places}
        for row, topic in zip(rows[close].tolist(), topics[close].tolist(), strict=True):
            their_places = self._places[row]
            # A row is posted under each of its own place cores: what it shares is those among the keys.
            shared = keys.intersection(p.core for p in their_places)
            score = combine(topic, place_strength(shared, doc.places, their_places, ours))
            if score is not None:
                kinds = {p.core: p.kind for p in their_places}
                best = max(shared, key=lambda core: (PLACE_WEIGHTS[kinds.get(core, "estate")], len(core)))
                found.append(Repeat(self._ids[row], round(score, 4), round(topic, 4), best,
                                    kinds.get(best, "estate")))
        found.sort(key=lambda r: (-r.score, -r.id))
        return found[:k]

    def places_agree(self, text, ids, analyzed=None):
        """{id: False} for the indexed ids whose places the text's places exclude: both name places and
        none of one call's place names occurs in the other (the same problem somewhere else)."""
        doc, known = analyzed or self._analyze_query(text)
        keys = {p.core for p in doc.places} | set(known)
        verdict = {}
        with self._lock:
            for id_ in ids:
                row = self._row_of.get(id_)
                if row is None or not keys or not self._places[row]:
                    continue
                theirs = {p.core for p in self._places[row]}
                if not (keys & theirs) and not any(core in text for core in theirs):
                    verdict[id_] = False
        return verdict

    def offers(self, text, text_hits, k=5, since=None, exclude=()):
        """What intake offers (merge_offers): the repeats, then the text hits not placed elsewhere."""
        analyzed = self._analyze_query(text)
        repeats = self.query(text, k=k, since=since, exclude=exclude, analyzed=analyzed)
        elsewhere = self.places_agree(text, [i for i, s in text_hits if s < NEAR_COPY], analyzed)
        return merge_offers([(i, s) for i, s in text_hits if i not in elsewhere], repeats, k)


def _union(arrays):
    """The distinct values of the arrays, ascending: a sort and a comparison, where np.unique's hashing
    costs ten times as much on a few thousand rows."""
    values = np.concatenate(arrays)
    values.sort()
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _dot_rows(indptr, features, weights, rows, query_features, query_weights, width):
    """The topic cosine of each row with the query, all rows at once, through a dense array of the
    vocabulary's width holding the query."""
    positions, lengths, first = row_spans(indptr, rows)
    total = len(positions)
    if total == 0 or not len(query_features):
        return np.zeros(len(rows), np.float32)
    # `width` covers every stored feature (the index tracks the largest as it grows).
    dense = np.zeros(max(width, int(query_features.max()) + 1), np.float32)
    dense[query_features] = query_weights
    products = dense[features[positions]] * weights[positions]
    sums = np.add.reduceat(np.append(products, 0), np.minimum(first, total))
    return np.where(lengths > 0, sums[:len(rows)], 0)


# A text hit this close is a copy of the call (the same complaint sent again) and ranks with the repeats.
NEAR_COPY = 0.8


def merge_offers(text_hits, repeats, limit):
    """What intake offers: the repeats (same place and problem) first, then the other similar texts.

    text_hits: [(id, cosine)] from classifier.similar; repeats: [Repeat]. Returns dicts with id, score,
    reason ("same_incident" or "text") and, for repeats, the shared place and the topic similarity.
    """
    offers = {r.id: {"id": r.id, "score": r.score, "reason": "same_incident", "place": r.place,
                     "place_kind": r.kind, "topic": r.topic} for r in repeats}
    for id_, score in text_hits:
        if id_ in offers:
            offers[id_]["score"] = round(max(offers[id_]["score"], score), 4)
        else:
            offers[id_] = {"id": id_, "score": round(score, 4), "reason": "text"}
    ranked = sorted(offers.values(), key=lambda o: (
        not (o["reason"] == "same_incident" or o["score"] >= NEAR_COPY), -o["score"], -o["id"]))
    return ranked[:limit]
