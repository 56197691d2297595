"""Words for keyword search: Chinese segmented by rjieba, English lower-cased and stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

import rjieba
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# Bump when tokenize() changes: an index built with another version gets its keyword index rebuilt.
TOKENIZER_VERSION = 2

CJK = re.compile(r"[\u3400-\u9fff]")  # a Chinese character (CJK ideographs and extension A)
WORD = re.compile(r"[0-9a-z\u3400-\u9fff]", re.IGNORECASE)
LATIN = re.compile(r"^[0-9a-z][0-9a-z.+#-]*$")
# A plural acronym such as "llms" or "gpts": the Snowball stemmer keeps the "s" when no vowel precedes it.
ACRONYM_PLURAL = re.compile(r"^[b-df-hj-np-tv-xz0-9]{2,}s$")

# Function words that carry no topic in an interview question.
STOPWORDS_ZH = frozenset(
    """的 了 是 在 和 与 及 或 也 都 就 而 被 把 对 于 吗 呢 吧 啊 么 呀 哪 这 那 这个 那个 这些 那些
    你 我 他 她 它 你们 我们 他们 咱们 自己 一个 一些 什么 怎么 怎样 怎么样 如何 为什么 哪些 哪个
    有 有没有 没有 会 能 可以 要 需要 谈谈 说说 讲讲 聊聊 一下 请 下 之间 之 其 等 个 些
    怎么办 为啥 是不是 有哪些""".split()
)
STOPWORDS_EN_QUESTION = frozenset(
    """what how why which who when where do does did you your yours we our us me my can could would
    should tell about explain describe""".split()
)
STOPWORDS = STOPWORDS_ZH | frozenset(STOPWORDS_EN) | STOPWORDS_EN_QUESTION


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def english_stem(word: str) -> str:
    """The Snowball English stem of a lower-cased word."""
    return _stemmer().stemWord(word)


def content_words(text: str) -> list[str]:
    """Lower-cased words of mixed Chinese/English text that carry a topic (stopwords dropped)."""
    words = (token.strip() for token in rjieba.cut(text.lower()))
    return [w for w in words if w and WORD.search(w) and w not in STOPWORDS]


def is_latin(word: str) -> bool:
    """True for an English/number word (as opposed to a Chinese one)."""
    return bool(LATIN.match(word))


def _english_term(word: str) -> str:
    """The stem of an English word; a plural acronym loses its "s" first, so "LLMs" matches "LLM"."""
    if ACRONYM_PLURAL.match(word):
        word = word[:-1]
    return english_stem(word)


def word_stems(text: str) -> list[str]:
    """Every word of the text in order, stopwords kept, English ones stemmed: for matching phrases,
    where "good at" must not match a text that only says "good"."""
    words = (token.strip() for token in rjieba.cut(text.lower()))
    return [_english_term(w) if is_latin(w) else w for w in words if w and WORD.search(w)]


def tokenize(text: str) -> list[str]:
    """Keyword-index terms: content words, English ones stemmed."""
    return [_english_term(w) if is_latin(w) else w for w in content_words(text)]
