"""Chinese word tokenizer: jieba, the tokenizer of record, with its own dictionary, the hotline
user dictionary and the stopword list.

jieba's dictionary (the dict.txt of the pinned jieba package) and our user dictionary are
loaded into rjieba, a binding of jieba-rs (jieba's algorithm in Rust), when it is installed: on
our tickets it cuts 13 to 27 times as many texts a second, with jieba's own cuts on all but one
text in a thousand or fewer (ties between equally likely cuts of a repeated character, such as
咚咚咚; tests/unit/classifier/test_tokenize.py holds it to 99.9 %). Without rjieba, jieba itself
cuts.
"""

import functools
import logging
import re
import threading
from pathlib import Path

import jieba

try:
    import rjieba
except ImportError:  # the fast path is optional; jieba alone gives the same words
    rjieba = None

DATA_DIR = Path(__file__).parent / "data"
USER_DICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
JIEBA_DICT = Path(jieba.__file__).parent / "dict.txt"
# jieba's dictionary line: a word, then optionally a frequency and a part-of-speech tag.
_USER_DICT_LINE = re.compile(r"(.+?)(?: +(\d+))?(?: +([a-z]+))?")
BACKEND = "rjieba" if rjieba is not None else "jieba"

_lock = threading.Lock()
_state = None  # (segmenter, frozenset of stopwords) once loaded


def _dictionary_lines(path):
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if line:
            word, freq, tag = _USER_DICT_LINE.fullmatch(line).groups()
            yield word, int(freq) if freq else None, tag


class _JiebaSegmenter:
    """jieba itself, on an instance of our own so that our words stay out of jieba's default one."""

    def __init__(self):
        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
        self._tokenizer = jieba.Tokenizer(str(JIEBA_DICT))
        self._tokenizer.initialize()

    def add_word(self, word, freq, tag):
        self._tokenizer.add_word(word, freq, tag)

    def cut(self, text, hmm):
        return self._tokenizer.lcut(text, HMM=hmm)


def new_segmenter(backend=None):
    """A segmenter with jieba's dictionary plus the user dictionary: rjieba's where installed."""
    if (backend or BACKEND) == "rjieba":
        segmenter = rjieba.Jieba.empty()
        for word, freq, tag in _dictionary_lines(JIEBA_DICT):
            segmenter.add_word(word, freq, tag)
    else:
        segmenter = _JiebaSegmenter()
    for word, freq, tag in _dictionary_lines(USER_DICT):
        # Without a frequency the word gets one just high enough to be cut out whole, as in jieba.
        segmenter.add_word(word, freq, tag)
    return segmenter


def _load():
    """Build the tokenizer once per process; later calls return the cached one."""
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                stopwords = frozenset(STOPWORDS.read_text(encoding="utf-8").split())
                _state = new_segmenter(), stopwords
    return _state


def tokenize(text):
    """Split text into lower-cased words, dropping stopwords, spaces and punctuation."""
    return list(_cut(*_load(), text))


# An intake reads one text several times (the routing model, then the repeat search): the latest cuts are
# kept, per segmenter.
@functools.lru_cache(maxsize=64)
def _cut(segmenter, stopwords, text):
    # HMM guessing of unknown words stays off: it slows cutting and adds no measurable accuracy, as
    # the character n-grams beside these words already cover the words it would guess.
    return tuple(
        word
        for word in (w.strip().lower() for w in segmenter.cut(text, False))
        # isalnum() answers for the usual all-Chinese word at once; mixed words like "c++" need the loop.
        if word and word not in stopwords and (word.isalnum() or any(c.isalnum() for c in word))
    )
