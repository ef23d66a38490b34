"""The jieba (rjieba) tokenizer with the hotline user dictionary and stopwords."""

import pickle
import threading

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

import classifier.tokenize as tokenize_module
from classifier.tokenize import tokenize


@pytest.mark.parametrize("word, sentence", [
    ("加装电梯", "老旧小区加装电梯遇到低层住户反对"),
    ("噪音扰民", "楼下烧烤店深夜噪音扰民"),
    ("占道经营", "菜市场门口占道经营堵塞交通"),
    ("网约车", "网约车司机绕路多收费"),
    ("公积金", "离职以后公积金怎么提取"),
    ("住建局", "这件事住建局一直不回复"),
    ("欠薪", "工地欠薪三个月"),
])
def test_user_dictionary_words_stay_whole(word, sentence):
    assert word in tokenize(sentence)


def test_stopwords_punctuation_and_spaces_are_dropped():
    words = tokenize("您好，请问我们的小区 物业费是怎么收的？谢谢！")
    assert {"您好", "请问", "我们", "的", "谢谢", "，", "？", " "}.isdisjoint(words)
    assert "小区" in words and "物业费" in words


def test_latin_letters_are_lower_cased():
    assert "ktv" in tokenize("KTV半夜扰民")


def test_tokenize_pickles_by_reference_inside_a_vectorizer():
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False).fit(["小区物业乱收费"])
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert restored.tokenizer is tokenize
    assert restored.transform(["物业乱收费"]).nnz == vectorizer.transform(["物业乱收费"]).nnz > 0


def test_dictionary_is_loaded_once_under_concurrent_first_calls(monkeypatch):
    built = []

    real_new_segmenter = tokenize_module.new_segmenter

    def counting_new_segmenter():
        built.append(real_new_segmenter())
        return built[-1]

    monkeypatch.setattr(tokenize_module, "_state", None)
    monkeypatch.setattr(tokenize_module, "new_segmenter", counting_new_segmenter)
    barrier = threading.Barrier(8)
    results = []

    def first_call():
        barrier.wait()
        results.append(tokenize("加装电梯"))

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert results == [["加装电梯"]] * 8


def _texts_of_the_seed_corpus():
    import csv

    texts = []
    for path in sorted((tokenize_module.DATA_DIR / "seed").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def _texts_of_the_public_data():
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "teddy2020c_fj2_labeled_public.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent: the public messages live beside the repository, in ../shared/data")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    column = next(c for c in rows[0] if "详情" in c or c == "text")
    return [row[column] for row in rows if row[column]][:3000]


@pytest.mark.skipif(tokenize_module.rjieba is None, reason="rjieba (the fast path) is not installed")
@pytest.mark.parametrize("texts", [_texts_of_the_seed_corpus, _texts_of_the_public_data], ids=["seed", "public"])
def test_the_fast_path_cuts_as_jieba_does(texts):
    texts = texts()
    fast, reference = tokenize_module.new_segmenter("rjieba"), tokenize_module.new_segmenter("jieba")
    same = sum(fast.cut(text, False) == reference.cut(text, False) for text in texts)
    assert len(texts) > 1000 and same / len(texts) >= 0.999, f"{len(texts) - same} of {len(texts)} differ"


def test_jieba_is_the_backend_without_rjieba(monkeypatch):
    segmenter = tokenize_module.new_segmenter("jieba")
    assert segmenter.cut("老旧小区加装电梯", False) == ["老", "旧", "小区", "加装电梯"]
    monkeypatch.setattr(tokenize_module, "_state", None)
    monkeypatch.setattr(tokenize_module, "BACKEND", "jieba")
    words = ["老", "旧", "小区", "加装电梯", "遇到", "低层", "住户", "反对"]
    assert tokenize("老旧小区加装电梯遇到低层住户反对") == words
