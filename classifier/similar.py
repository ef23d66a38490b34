"""Near-duplicate search over recent ticket texts: an inverted index of hashed char n-grams."""
import threading
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.sparse import _sparsetools
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

# New texts gather in a small tail, scored row by row; a full tail becomes a block with its own
# inverted part, and two blocks of one size are merged into one, so that there are at most about
# log2(n / _TAIL_LIMIT) blocks, each merge costs its own size, and adding one ticket never
# copies the index. The tail is kept short because every query scores each of its rows.
_TAIL_LIMIT = 128
# Candidates come from the posting lists of the query's most distinctive n-grams only (common
# ones are long and add little); the _CANDIDATES best of all blocks together are then re-scored on
# their full vectors (the tail's rows are scored on them at once).
_QUERY_TERMS = 48
_CANDIDATES = 64
# Up to this many texts (a request's top-up) are hashed one by one, through the cache of each text's
# n-gram counts that the query filled: the batch hasher's fixed cost is several texts' worth.
_SMALL_BATCH = 8


class _Block:
    """Rows of the index: `forward` (one row per text) and, for a full block, `inverted` (one row per
    n-gram) to find candidates by the query's n-grams. The tail has no inverted part: its few rows are
    scored directly, so that a query after each new ticket builds nothing of the index's width."""
    __slots__ = ("ids", "times", "inverted", "forward")

    def __init__(self, ids, times, vectors, inverted=True):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.times = np.asarray(times, dtype=np.float64)
        self.forward = sp.csr_matrix(vectors)
        self.inverted = sp.csr_matrix(self.forward.T) if inverted else None

    def __len__(self):
        return len(self.ids)

    @classmethod
    def merged(cls, first, second):
        return cls(np.concatenate([first.ids, second.ids]), np.concatenate([first.times, second.times]),
                   sp.vstack([first.forward, second.forward], format="csr"))

    def subset(self, mask):
        block = object.__new__(_Block)
        block.ids, block.times = self.ids[mask], self.times[mask]
        block.forward = self.forward[np.flatnonzero(mask)]
        block.inverted = sp.csr_matrix(block.forward.T)
        return block


@lru_cache(maxsize=4)
def _hasher(n_features):
    return HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=n_features,
                             alternate_sign=False, norm=None, dtype=np.float32)


@lru_cache(maxsize=64)
def _hashed_text(text, n_features):
    """One text's n-gram counts; an intake looks the same text up in several indexes."""
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        counts = _hasher(n_features).transform([text])
    counts.sort_indices()  # here, once: the cached matrix is only ever read after this
    return counts


def _stack_rows(parts):
    """CSR matrices of one width stacked, into new arrays: scipy's vstack costs more than the rows
    of a query's top-up or of the tail."""
    if len(parts) == 1:
        part = parts[0]
        return sp.csr_matrix((part.data.copy(), part.indices.copy(), part.indptr.copy()), shape=part.shape)
    offsets = np.cumsum([0] + [part.nnz for part in parts[:-1]])
    indptr = np.concatenate([parts[0].indptr[:1]]
                            + [part.indptr[1:] + offset for part, offset in zip(parts, offsets, strict=True)])
    data = np.concatenate([part.data for part in parts])
    indices = np.concatenate([part.indices for part in parts])
    return sp.csr_matrix((data, indices, indptr), shape=(sum(part.shape[0] for part in parts), parts[0].shape[1]))


class SimilarityIndex:
    """Cosine similarity of TF-IDF weighted character 2–3-grams; thread-safe."""

    def __init__(self, idf_texts=(), n_features=2**20):
        self._hasher = _hasher(n_features)
        fitted = TfidfTransformer().fit(self._hasher.transform(list(idf_texts) or [""]))
        self._idf = fitted.idf_.astype(np.float32)
        self._lock = threading.Lock()
        # Held while the blocks are merged or cut down (outside self._lock, which queries take).
        self._reshaping = threading.Lock()
        self._local = threading.local()
        self._blocks = []
        self._tail = ([], [], None)  # ids, times and the stacked vectors of the texts added since the last block
        self._tail_block = None  # the tail as a block, kept until the tail changes

    def vectorize(self, texts):
        """Sublinear TF × IDF, L2-normalised; done by hand because TfidfTransformer's diagonal
        product converts every single-row query to CSC and back, which dominated query time."""
        if len(texts) <= _SMALL_BATCH:  # a query or a top-up: counts from the cache, stacked into new arrays
            counts = _stack_rows([_hashed_text(text, self._idf.shape[0]) for text in texts])
        else:
            counts = self._hasher.transform(texts)
            counts.sort_indices()
        counts.data = (1 + np.log(counts.data)) * self._idf[counts.indices]
        norms = np.sqrt(np.add.reduceat(np.append(counts.data ** 2, 0), counts.indptr[:-1]))
        counts.data /= np.repeat(np.where(norms > 0, norms, 1), np.diff(counts.indptr))
        return counts

    def _scratch(self):
        # One per thread: queries from several threads must not share it.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = np.zeros(self._idf.shape[0], dtype=np.float32)
        return scratch

    def __len__(self):
        return sum(len(b.ids) for b in self._blocks) + len(self._tail[0])

    def add(self, ids, texts, times):
        """Index texts under integer ids with their times (POSIX seconds). Texts are vectorised
        here, once, outside the lock: a query after each new ticket only stacks the tail's rows."""
        texts = list(texts)
        if not texts:
            return
        vectors = self.vectorize(texts)
        with self._lock:
            tail_ids, tail_times, stacked = self._tail
            tail_ids.extend(ids)
            tail_times.extend(times)
            # Two pieces stacked, whatever the tail's length: adding costs the tail's size, not its count.
            stacked = vectors if stacked is None else _stack_rows([stacked, vectors])
            self._tail = (tail_ids, tail_times, stacked)
            self._tail_block = None
            full = len(tail_ids) >= _TAIL_LIMIT
            if full:
                self._blocks.append(_Block(tail_ids, tail_times, stacked))
                self._tail = ([], [], None)
        if full:
            self._merge_blocks()

    def _merge_blocks(self):
        """Merge the last two blocks while the last is as large as the one before (a binary
        counter of full tails). The merged block is built outside the query lock: queries go on
        over the two meanwhile."""
        with self._reshaping:
            while True:
                with self._lock:
                    if len(self._blocks) < 2 or len(self._blocks[-2]) > len(self._blocks[-1]):
                        return
                    first, second = self._blocks[-2:]
                merged = _Block.merged(first, second)
                with self._lock:
                    at = next(i for i, b in enumerate(self._blocks) if b is first)
                    self._blocks[at:at + 2] = [merged]

    def query(self, text, k=5, since=None, exclude=(), min_score=0.0):
        """The k most similar (id, score) pairs by cosine, best first."""
        vector = self.vectorize([text])
        if not vector.nnz:
            return []
        probe_terms, probe_weights = vector.indices, vector.data
        if vector.nnz > _QUERY_TERMS:
            keep = np.argsort(-vector.data, kind="stable")[:_QUERY_TERMS]
            probe_terms, probe_weights = vector.indices[keep], vector.data[keep]
        with self._lock:
            if self._tail[0] and self._tail_block is None:
                self._tail_block = _Block(*self._tail, inverted=False)
            blocks = list(self._blocks) + ([self._tail_block] if self._tail[0] else [])
        excluded = np.asarray(list(exclude), dtype=np.int64) if exclude else None
        # The query's weights spread over a dense array of the hashing width (all zeros again after),
        # which the rows' n-grams are looked up in: numpy gathers over the blocks' own arrays, without
        # building a sparse matrix for each block's postings or candidates.
        scratch = self._scratch()
        scratch[vector.indices] = vector.data
        try:
            found_ids, found_scores, rough_hits = [], [], []
            for block in blocks:
                if block.inverted is None:  # the tail: few rows, scored exactly at once
                    score = _row_dots(block.forward, None, scratch)
                else:
                    score = _posting_sums(block.inverted, probe_terms, probe_weights, len(block))
                allowed = score > 0
                if since is not None:
                    allowed &= block.times >= since
                if excluded is not None:
                    allowed &= ~np.isin(block.ids, excluded)
                rows = np.flatnonzero(allowed)
                if block.inverted is None:
                    found_ids.append(block.ids[rows])
                    found_scores.append(score[rows])
                else:
                    if len(rows) > _CANDIDATES:
                        rows = rows[np.argpartition(-score[rows], _CANDIDATES)[:_CANDIDATES]]
                    rough_hits.append((block, rows, score[rows]))
            # The best candidates by the rough score over all blocks, re-scored on their full vectors.
            if rough_hits:
                best = np.concatenate([r for _, _, r in rough_hits])
                cut = np.partition(-best, _CANDIDATES - 1)[_CANDIDATES - 1] if len(best) > _CANDIDATES else np.inf
                for block, rows, rough in rough_hits:
                    rows = rows[-rough <= cut]
                    found_ids.append(block.ids[rows])
                    found_scores.append(_row_dots(block.forward, rows, scratch))
        finally:
            scratch[vector.indices] = 0
        if not found_ids:  # nothing indexed yet
            return []
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        keep = scores >= min_score
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((-ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def retain(self, wanted_ids):
        """Keep only the ids in `wanted_ids` (e.g. tickets still open and recent).

        The blocks are cut down outside the lock, so queries go on meanwhile; texts added
        in the meantime are kept.
        """
        with self._reshaping:
            self._retain(wanted_ids)

    def _retain(self, wanted_ids):
        wanted = np.asarray(sorted(wanted_ids), dtype=np.int64)
        wanted_set = set(wanted.tolist())
        with self._lock:
            before = list(self._blocks)
        kept = []
        for block in before:
            mask = np.isin(block.ids, wanted)
            if mask.all():
                kept.append(block)
            elif mask.any():
                kept.append(block.subset(mask))
        with self._lock:
            self._blocks = kept + self._blocks[len(before):]
            rows = [i for i, id_ in enumerate(self._tail[0]) if id_ in wanted_set]
            if len(rows) < len(self._tail[0]):
                ids, times, stacked = self._tail
                self._tail = ([ids[i] for i in rows], [times[i] for i in rows], stacked[rows] if rows else None)
            self._tail_block = None


def row_spans(indptr, rows):
    """Where the given rows of a CSR matrix lie in its data: (positions of all their entries in order,
    each row's length, where each row starts among those positions). The repeat index's flat topic
    arrays are laid out the same way (classifier.repeats)."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    first = np.cumsum(lengths) - lengths
    total = int(first[-1] + lengths[-1]) if len(rows) else 0
    return np.repeat(starts - first, lengths) + np.arange(total), lengths, first


def _posting_sums(inverted, terms, weights, width):
    """Each text's sum over the given n-grams of weight × its value (weights · those rows of the
    inverted matrix), for the `width` texts of a block: the n-grams' rows gathered and multiplied
    by the weights in scipy's own loops (csr_row_index, then csc_matvec, the gathered rows read as
    the columns of their transpose), without building a matrix."""
    indices, data, indptr = _gather_rows(inverted, terms)
    sums = np.zeros(width, dtype=np.float32)
    if len(data):
        _sparsetools.csc_matvec(width, len(terms), indptr, indices, data, weights.astype(np.float32, copy=False),
                                sums)
    return sums


def _gather_rows(matrix, rows):
    """The given rows of a CSR matrix as (indices, data, indptr) arrays of their own, gathered by scipy's
    csr_row_index."""
    index_type = matrix.indices.dtype
    rows = rows.astype(index_type, copy=False)
    indptr = np.zeros(len(rows) + 1, dtype=index_type)
    np.cumsum(matrix.indptr[rows + 1] - matrix.indptr[rows], out=indptr[1:])
    indices, data = np.empty(indptr[-1], dtype=index_type), np.empty(indptr[-1], dtype=matrix.data.dtype)
    _sparsetools.csr_row_index(len(rows), rows, matrix.indptr, matrix.indices, matrix.data, indices, data)
    return indices, data, indptr


def _row_dots(forward, rows, scratch):
    """Rows of a CSR matrix (all of them when rows is None) dotted with the vector held in `scratch`,
    a dense array of the vector's width. scipy's own loops gather the rows (csr_row_index) and multiply
    them by the vector (csr_matvec) without building a matrix: for a few dozen rows, numpy's gathers,
    sums by row and their temporaries cost two to three times as much."""
    if rows is None:
        count, indptr, indices, data = forward.shape[0], forward.indptr, forward.indices, forward.data
    else:
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        count = len(rows)
        indices, data, indptr = _gather_rows(forward, rows)
    sums = np.zeros(count, dtype=np.float32)
    _sparsetools.csr_matvec(count, forward.shape[1], indptr, indices, data, scratch, sums)
    return sums
