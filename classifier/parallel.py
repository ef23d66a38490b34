"""Fitting a TF-IDF vectorizer with its texts analysed in several processes.

A Python analyzer holds the GIL, so threads do not help; each worker process analyses and counts
a contiguous share of the texts with its own vocabulary, and this process merges the shares: one
vocabulary, min_df applied to the summed document counts, columns in sorted term order. The result
is the one TfidfVectorizer.fit_transform gives in one process.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

# Below this many texts per worker, starting processes costs more than it saves.
MIN_TEXTS_PER_JOB = 10_000
# Each worker gets a few shares rather than one, which evens out their loads and keeps each
# returned share (and the copy of it in transit) small.
SHARES_PER_JOB = 4


def worth_parallel(texts, n_jobs):
    """Whether fit_tfidf_in_processes would gain from more than one process on these texts."""
    return n_jobs is not None and n_jobs > 1 and hasattr(texts, "__len__") and len(texts) >= 2 * MIN_TEXTS_PER_JOB


def _count_share(analyzer, texts):
    counter = CountVectorizer(analyzer=analyzer, dtype=np.float64)
    counts = counter.fit_transform(texts)
    # The columns are in sorted term order, as get_feature_names_out lists them.
    return counter.get_feature_names_out().tolist(), sp.csr_matrix(counts)


def _check_supported(vectorizer):
    """The merge implements min_df and the TF-IDF options, not every CountVectorizer option."""
    unsupported = {"max_df": 1.0, "max_features": None, "vocabulary": None, "binary": False, "use_idf": True}
    changed = [name for name, value in unsupported.items() if vectorizer.get_params()[name] != value]
    if changed or not callable(vectorizer.analyzer):
        raise ValueError(f"fit_tfidf_in_processes needs a callable analyzer and the default {', '.join(unsupported)}")


def fit_tfidf_in_processes(vectorizer, texts, n_jobs):
    """vectorizer.fit_transform(texts) for an unfitted TfidfVectorizer, analysing in n_jobs processes."""
    _check_supported(vectorizer)
    texts = list(texts)
    share = -(-len(texts) // (n_jobs * SHARES_PER_JOB))
    shares = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_count_share)(vectorizer.analyzer, texts[start:start + share])
        for start in range(0, len(texts), share)
    )
    vocabulary, counts = _merge(shares, len(texts), vectorizer.min_df)
    tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                             smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf).fit(counts)
    vectorizer.vocabulary_ = vocabulary
    vectorizer.idf_ = tfidf.idf_  # the public setter also builds the vectorizer's own transformer
    return tfidf.transform(counts, copy=False)


def _merge(shares, n_texts, min_df):
    """One vocabulary and count matrix from the shares' own; terms in fewer than min_df texts dropped."""
    vocabulary, parts = {}, []
    for terms, counts in shares:
        # setdefault numbers each new term by its arrival; the share's columns are mapped onto them.
        columns = np.fromiter((vocabulary.setdefault(term, len(vocabulary)) for term in terms),
                              dtype=np.int64, count=len(terms))
        counts.indices = columns.astype(np.int32 if len(vocabulary) < 2**31 else np.int64)[counts.indices]
        parts.append(counts)
    texts_with_term = np.zeros(len(vocabulary), dtype=np.int64)
    for counts in parts:
        texts_with_term += np.bincount(counts.indices, minlength=len(vocabulary))
    min_count = min_df if isinstance(min_df, Integral) else min_df * n_texts
    kept = np.flatnonzero(texts_with_term >= min_count)
    if not len(kept):
        raise ValueError("After pruning, no terms remain. Try a lower min_df.")
    terms = list(vocabulary)
    del vocabulary
    kept = sorted(kept.tolist(), key=terms.__getitem__)
    new_column = np.full(len(terms), -1, dtype=np.int64)
    new_column[kept] = np.arange(len(kept))
    merged_vocabulary = {terms[old]: new for new, old in enumerate(kept)}
    del terms
    # Filled share by share, each share freed once copied, so the counts are held about once.
    nnz = sum(int(np.count_nonzero(new_column[counts.indices] >= 0)) for counts in parts)
    index_type = np.int32 if max(nnz, len(kept)) < np.iinfo(np.int32).max else np.int64
    data, indices = np.empty(nnz, dtype=np.float64), np.empty(nnz, dtype=index_type)
    indptr, row, filled = np.zeros(n_texts + 1, dtype=index_type), 0, 0
    while parts:
        counts = parts.pop(0)
        columns = new_column[counts.indices]
        keep = columns >= 0
        kept_before = np.concatenate(([0], np.cumsum(keep)))
        size = int(kept_before[-1])
        data[filled:filled + size] = counts.data[keep]
        indices[filled:filled + size] = columns[keep]
        rows = counts.shape[0]
        indptr[row + 1:row + rows + 1] = filled + kept_before[counts.indptr[1:]]
        row, filled = row + rows, filled + size
        del counts, columns, keep, kept_before
    merged = sp.csr_matrix((data, indices, indptr), shape=(n_texts, len(kept)))
    merged.sort_indices()
    return merged_vocabulary, merged
