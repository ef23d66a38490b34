"""Near-duplicate search over recent ticket texts: an inverted index of hashed char n-grams."""
import threading

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

# Batches of new texts are kept small and merged, so adding one ticket never copies the index.
_TAIL_LIMIT = 2048


class SimilarityIndex:
    """Cosine similarity of TF-IDF weighted character 2–3-grams; thread-safe."""

    def __init__(self, idf_texts=(), n_features=2**20):
        self._hasher = HashingVectorizer(analyzer="char", ngram_range=(2, 3), n_features=n_features,
                                         alternate_sign=False, norm=None, dtype=np.float32)
        self._idf = TfidfTransformer(sublinear_tf=True)
        self._idf.fit(self._hasher.transform(list(idf_texts) or [""]))
        self._lock = threading.Lock()
        self._blocks = []  # (ids, times, features × docs CSR)
        self._tail = ([], [], [])

    def vectorize(self, texts):
        return self._idf.transform(self._hasher.transform(texts)).astype(np.float32)

    def __len__(self):
        return sum(len(ids) for ids, _, _ in self._blocks) + len(self._tail[0])

    def add(self, ids, texts, times):
        """Index texts under integer ids with their times (POSIX seconds)."""
        with self._lock:
            self._tail[0].extend(ids)
            self._tail[1].extend(times)
            self._tail[2].extend(texts)
            if len(self._tail[0]) >= _TAIL_LIMIT:
                self._blocks.append(self._freeze(*self._tail))
                self._tail = ([], [], [])

    def _freeze(self, ids, times, texts):
        return (np.asarray(ids, dtype=np.int64), np.asarray(times, dtype=np.float64),
                sp.csr_matrix(self.vectorize(texts).T))

    def query(self, text, k=5, since=None, exclude=(), min_score=0.0):
        """The k most similar (id, score) pairs, newest first among equal scores."""
        vector = self.vectorize([text])
        with self._lock:
            blocks = list(self._blocks)
            if self._tail[0]:
                blocks.append(self._freeze(*self._tail))
        found_ids, found_scores = [], []
        for ids, times, inverted in blocks:
            scores = vector.data @ inverted[vector.indices] if vector.nnz else np.zeros(len(ids))
            scores = np.asarray(scores).ravel()
            keep = scores > min_score
            if since is not None:
                keep &= times >= since
            if exclude:
                keep &= ~np.isin(ids, list(exclude))
            found_ids.append(ids[keep])
            found_scores.append(scores[keep])
        if not found_ids:
            return []
        ids, scores = np.concatenate(found_ids), np.concatenate(found_scores)
        order = np.lexsort((-ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def retain(self, predicate_ids):
        """Keep only the ids in `predicate_ids` (e.g. tickets still open and recent)."""
        wanted = np.asarray(sorted(predicate_ids), dtype=np.int64)
        with self._lock:
            blocks = []
            for ids, times, inverted in self._blocks:
                mask = np.isin(ids, wanted)
                if mask.all():
                    blocks.append((ids, times, inverted))
                elif mask.any():
                    blocks.append((ids[mask], times[mask], inverted[:, np.flatnonzero(mask)].tocsr()))
            self._blocks = blocks
            wanted_set = set(wanted.tolist())
            tail = [i for i, id_ in enumerate(self._tail[0]) if id_ in wanted_set]
            self._tail = tuple([column[i] for i in tail] for column in self._tail)
