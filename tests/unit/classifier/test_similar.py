"""The near-duplicate index: exact cosine scores, filters, and texts added after a query."""
import threading

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from classifier.similar import SimilarityIndex

TEXTS = [
    "幸福小区3栋电梯坏了一个星期没人修，老人上下楼很困难",
    "幸福小区3栋的电梯坏了一周了，物业一直不来修，老人下不了楼",
    "城西路夜市烧烤油烟太大，晚上十二点还很吵",
    "公司拖欠三个月工资不发，老板电话也不接",
    "学校门口早晚高峰乱停车，孩子过马路很危险",
]


@pytest.fixture
def index():
    index = SimilarityIndex(idf_texts=TEXTS)
    index.add(list(range(1, len(TEXTS) + 1)), TEXTS, [1000.0 * i for i in range(len(TEXTS))])
    return index


def test_a_reworded_complaint_finds_its_twin_first(index):
    hits = dict(index.query("幸福小区3栋电梯又坏了，一周没人来修", k=5))
    assert sorted(hits, key=hits.get, reverse=True)[:2] == [1, 2]
    assert hits[2] > 3 * max(hits.get(i, 0.0) for i in (3, 4, 5))


def test_scores_are_the_cosine_of_the_weighted_vectors(index):
    query = "城西路夜市油烟大，半夜还吵"
    expected = cosine_similarity(index.vectorize([query]), index.vectorize(TEXTS))[0]
    for ticket_id, score in index.query(query, k=5):
        assert score == pytest.approx(expected[ticket_id - 1], abs=1e-5)


def test_scores_stay_exact_across_repeated_queries(index):
    # The dense scratch array behind the re-scoring must be clean again after each query.
    first = index.query(TEXTS[3], k=5)
    index.query(TEXTS[0], k=5)
    assert index.query(TEXTS[3], k=5) == first
    assert first[0] == (4, pytest.approx(1.0, abs=1e-5))


def test_since_exclude_and_min_score_filter_hits(index):
    query = TEXTS[0]
    assert [i for i, _ in index.query(query, k=5, since=1000.0)][0] == 2
    assert 1 not in [i for i, _ in index.query(query, k=5, exclude={1})]
    assert all(score >= 0.5 for _, score in index.query(query, k=5, min_score=0.5))


def test_texts_added_after_a_query_are_found(index):
    assert all(i != 6 for i, _ in index.query("人行道井盖丢失，晚上有人掉进去", k=5))
    index.add([6], ["解放路人行道井盖丢了，晚上有人差点掉进去"], [9000.0])
    assert index.query("人行道井盖丢失，晚上有人掉进去", k=1)[0][0] == 6
    assert len(index) == 6


def test_retain_drops_closed_tickets(index):
    index.retain({2, 3})
    assert len(index) == 2
    assert {i for i, _ in index.query(TEXTS[0], k=5)} <= {2, 3}


def test_large_batches_are_frozen_into_blocks_and_still_searched():
    texts = [f"{i}号楼{TEXTS[i % 5]}" for i in range(3000)]
    index = SimilarityIndex(idf_texts=TEXTS)
    index.add(list(range(3000)), texts, [0.0] * 3000)
    index.add([5000], ["和平里社区垃圾站臭气熏天，苍蝇很多"], [0.0])
    assert len(index) == 3001
    assert index.query("和平里垃圾站太臭了", k=1)[0][0] == 5000


def test_queries_from_several_threads_agree(index):
    expected = index.query(TEXTS[2], k=3)
    results = []

    def worker():
        for _ in range(50):
            results.append(index.query(TEXTS[2], k=3))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200 and all(result == expected for result in results)


def test_an_empty_query_finds_nothing(index):
    assert index.query("，。！") == []
    assert np.isclose(index.query(TEXTS[4], k=1)[0][1], 1.0, atol=1e-5)


def test_texts_added_one_by_one_score_as_one_batch_without_an_inverted_tail():
    texts = [f"{i}号楼{TEXTS[i % 5]}" for i in range(300)]
    batch, single = SimilarityIndex(idf_texts=TEXTS), SimilarityIndex(idf_texts=TEXTS)
    batch.add(list(range(300)), texts, [float(i) for i in range(300)])
    for i, text in enumerate(texts):
        single.add([i], [text], [float(i)])
        if i % 50 == 0:
            single.query(TEXTS[i % 5], k=3)  # a query between adds, as intake does
    for query in ("幸福小区电梯坏了", "夜市油烟", "拖欠工资"):
        assert single.query(query, k=10, since=100.0) == batch.query(query, k=10, since=100.0)
    # The tail (what intake adds between blocks) is scored row by row: no matrix of the
    # index's width (2^20 n-grams) is built for it on each query; it is kept short (a full one
    # becomes a block).
    assert single._tail_block.inverted is None and single._tail_block.forward.shape[0] == 300 - 256
    assert [len(b) for b in single._blocks] == [256]


def test_blocks_merge_as_they_fill_and_score_as_one_batch():
    texts = [f"{i}号楼{TEXTS[i % 5]}" for i in range(256 * 7 + 10)]
    batch, single = SimilarityIndex(idf_texts=TEXTS), SimilarityIndex(idf_texts=TEXTS)
    batch.add(list(range(len(texts))), texts, [float(i) for i in range(len(texts))])
    for start in range(0, len(texts), 16):
        single.add(list(range(start, min(start + 16, len(texts)))), texts[start:start + 16],
                   [float(i) for i in range(start, min(start + 16, len(texts)))])
    # Seven full tails merged pairwise, like a binary counter: 4 + 2 + 1 tails, and the 10 newest.
    assert [len(b) for b in single._blocks] == [1024, 512, 256]
    assert len(single) == len(texts)
    def scores(index, query, **kw):
        # Many texts here tie (five templates): which of the tied ids is offered may differ.
        return [round(score, 6) for _, score in index.query(query, k=10, **kw)]

    for query in ("幸福小区电梯坏了", "夜市油烟", "拖欠工资"):
        assert scores(single, query, since=300.0) == scores(batch, query, since=300.0)
    assert single.query("1795号楼" + TEXTS[0], k=1) == batch.query("1795号楼" + TEXTS[0], k=1)
    single.retain(range(0, len(texts), 2))
    batch.retain(range(0, len(texts), 2))
    assert scores(single, "夜市油烟") == scores(batch, "夜市油烟")
    assert {i for i, _ in single.query("夜市油烟", k=50)} <= set(range(0, len(texts), 2))


def test_an_empty_index_finds_nothing():
    assert SimilarityIndex(idf_texts=TEXTS).query(TEXTS[0], k=5) == []


def test_a_small_batch_is_vectorised_as_a_large_one():
    # A request's top-up (a few texts) goes through the per-text cache the query filled; a build
    # through the batch hasher: both give the same rows.
    index = SimilarityIndex(idf_texts=TEXTS)
    texts = [f"{i}号楼{TEXTS[i % 5]}" for i in range(20)]
    index.query(texts[3])  # its counts are now cached
    small, large = index.vectorize(texts[:3] + texts[3:5]), index.vectorize(texts)
    assert small.shape == (5, large.shape[1])
    assert abs(small - large[:5]).max() == pytest.approx(0.0, abs=1e-7)
    # The cached counts are never written: vectorising again gives the same row.
    assert abs(index.vectorize([texts[3]]) - large[3]).max() == pytest.approx(0.0, abs=1e-7)


def test_the_best_candidates_of_every_block_are_found_as_by_exhaustive_search():
    # Texts added one by one: several blocks and a tail, each searched, the candidates of all of them
    # re-scored together. Every hit's score is the true cosine, and no better text is left out.
    rng = np.random.default_rng(7)
    words = ["电梯", "停水", "噪音", "井盖", "路灯", "油烟", "垃圾", "工资", "物业", "停车", "漏水", "占道"]
    texts = ["".join(rng.choice(words, size=6)) + f"{i}号" for i in range(700)]
    index = SimilarityIndex(idf_texts=TEXTS)
    for i, text in enumerate(texts):
        index.add([i], [text], [float(i)])
    assert len(index._blocks) >= 2 and index._tail[0]
    everything = index.vectorize(texts)
    for query in ("电梯停水噪音井盖", "工资物业停车漏水占道", texts[5], texts[650]):
        hits = index.query(query, k=10)
        expected = cosine_similarity(index.vectorize([query]), everything)[0]
        assert [score for _, score in hits] == pytest.approx(sorted(expected, reverse=True)[:10], abs=1e-5)
        for ticket_id, score in hits:
            assert score == pytest.approx(expected[ticket_id], abs=1e-5)
