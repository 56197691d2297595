"""How an answer would sound: length, speaking time, filler words, opening, closing, numbers.

Plain text rules, no model: they run in well under a millisecond and say exactly why they fire.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..text.tokenize import CJK
from .keypoints import split_sentences

# Speaking rates of a calm interview answer: Mandarin about 240 characters a minute, English about 150 words.
CJK_PER_SECOND = 4.0
WORDS_PER_SECOND = 2.5
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:\.\d+)?")

# Fillers: 然后/就是/那个 are words too, so only their habit-forming uses count (clause-initial, or
# 就是说/那个什么); 嗯/呃 always count. English "like" counts only when set off as a pause word.
ZH_FILLERS = {
    "嗯": r"嗯+",
    "呃": r"呃+",
    "啊": r"(?:^|[，,。\s])啊(?=[，,。\s])",
    "然后": r"(?:^|[，,。！？\s])然后(?:呢)?",
    "就是": r"(?:^|[，,。！？\s])就是(?:说)?(?=[，,\s])|就是说",
    "那个": r"(?:^|[，,。！？\s])那个(?=[，,\s])|那个什么",
    "这个": r"(?:^|[，,。！？\s])这个(?=[，,\s])",
}
EN_FILLERS = {
    "um": r"\b(?:um+|umm+|erm)\b",
    "uh": r"\buh+\b",
    "like": r"(?:^|[,.;]\s*)like\s*,",
    "you know": r"\byou know\b",
    "basically": r"\bbasically\b",
    "I mean": r"\bI mean\b",
    "kind of / sort of": r"\b(?:kind|sort) of\b",
}
# A preamble before the answer: praise of the question, thinking aloud, a filler.
PREAMBLE = re.compile(
    r"^(?:嗯|呃|啊|这个问题|这是个好问题|好问题|我想想|让我想想|怎么说呢|其实吧|我了解得不|"
    r"um\b|uh\b|well\b|so,|good question|great question|that's a (?:good|great) question|let me think|"
    r"hmm|i'm not sure|honestly,? i)",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"(?:不太清楚|不太确定|说不准|看情况|应该是.*吧|好像|not sure|maybe|i guess|i don't know)", re.IGNORECASE
)
STANCE = re.compile(
    r"(?:我认为|我觉得|我的看法|我的观点|我的判断|我的体会|我的收获|我的原则|我的建议|我建议|所以|总的来说|总之|总结|"
    r"因此|关键是|核心是|原则是|一定要|应该|"
    r"\bi think\b|\bi believe\b|\bmy view\b|\bmy take\b|\bin my view\b|\bso my\b|\bi'd\b|\bi would\b|\bi recommend\b|"
    r"\bthe key\b|\boverall\b|\bin short\b|\bto sum up\b|\bthat's why\b|\bmy answer\b)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"(?<![A-Za-z\d.])\d+(?:[.,]\d+)?\s*(?:%|％|percent|倍|万|亿|千|百|个点|ms|毫秒|秒|分钟|小时|天|周|个月|年|条|题|道|x\b|k\b)?"
    r"|百分之[零一二两三四五六七八九十百点]+|[一二两三四五六七八九十百千万几]+(?:成|倍|个点|个月|周|天|年|万|亿)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|hundred|thousand)"
    r"(?:[\s-]+(?:percent|times|thousand|hundred|days|weeks|months))+\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Delivery:
    """What the answer sounds like, independent of its content."""

    characters: int  # Chinese characters
    words: int  # English words and numbers written in digits
    speaking_seconds: int
    fillers: dict[str, int] = field(default_factory=dict)
    opening: str = ""
    opens_directly: bool = False
    closing: str = ""
    closes_with_stance: bool = False
    numbers: list[str] = field(default_factory=list)

    @property
    def filler_count(self) -> int:
        return sum(self.fillers.values())

    def to_dict(self) -> dict:
        return {**asdict(self), "filler_count": self.filler_count}


def speaking_seconds(text: str) -> int:
    """Estimated time to say the text aloud at a calm interview pace."""
    cjk = len(CJK.findall(text))
    words = len(LATIN_WORD.findall(text))
    return round(cjk / CJK_PER_SECOND + words / WORDS_PER_SECOND)


def count_fillers(text: str) -> dict[str, int]:
    """Filler words used, by word; words not used are left out."""
    found = {}
    for word, pattern in ZH_FILLERS.items():
        found[word] = len(re.findall(pattern, text))
    for word, pattern in EN_FILLERS.items():
        found[word] = len(re.findall(pattern, text, flags=re.IGNORECASE))
    return {word: n for word, n in found.items() if n}


def numbers_used(text: str) -> list[str]:
    """Numbers the answer gives (figures, percentages, counted amounts), in order, without repeats."""
    return list(dict.fromkeys(m.group(0).strip() for m in NUMBER.finditer(text) if m.group(0).strip()))


def opens_directly(first: str, on_topic: bool) -> bool:
    """A direct opening states something on the question at once: no preamble, no hedge, on topic."""
    return bool(first) and on_topic and not PREAMBLE.match(first.strip()) and not HEDGE.search(first)


def closes_with_stance(last: str) -> bool:
    """A closing stance: the last sentence says what the speaker concludes or would do, without hedging."""
    return bool(last) and bool(STANCE.search(last)) and not HEDGE.search(last)


def analyse(text: str, opening_on_topic: bool) -> Delivery:
    """Delivery figures of an answer; ``opening_on_topic`` says whether its first sentence matched the reference."""
    sentences = split_sentences(text)
    first = sentences[0] if sentences else ""
    last = sentences[-1] if sentences else ""
    return Delivery(
        characters=len(CJK.findall(text)),
        words=len(LATIN_WORD.findall(text)),
        speaking_seconds=speaking_seconds(text),
        fillers=count_fillers(text),
        opening=first,
        opens_directly=opens_directly(first, opening_on_topic),
        closing=last,
        closes_with_stance=closes_with_stance(last),
        numbers=numbers_used(text),
    )
