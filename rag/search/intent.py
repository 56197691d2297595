"""What a query is about beyond its topic: framing words that carry none, and questions about the interview itself.

Interviewers frame questions generically ("AIGC产品怎么控制推理成本？", "作为AI产品经理…", "for an AI
product"). Those words are common in the broad Part-1 answers, so as keywords they pulled those answers
above the section about the topic. And the meta sections (考核点, 回答结构) answer only questions about
what an interviewer tests or how to structure an answer; as results for a content question they hid
the section that answers it.
"""

from __future__ import annotations

import re

# Keyword-index terms (as rag.text.tokenize makes them) that frame a question without naming its topic.
FRAMING_TERMS = frozenset(
    """aigc ai 产品 应用 产品经理 经理 作为 看待 面试 面试官 场景 项目 公司 工作 岗位 谈 看 觉得 认为
    product app applic featur manag pm interview interview compani work role job genai generat think
    大 模型 语言 llm model""".split()
)
# The framing terms are dropped only while this many other terms remain ("谈谈你对AIGC的理解" keeps AIGC).
MIN_TOPIC_TERMS = 2

_INTERVIEW = re.compile(
    r"考[察核查]|考点|什么结构|结构回答|面试官.{0,8}(想|看重|关注|希望|期待|听)|想听到|看重什么|回答结构|答题|怎么回答|如何回答|"
    r"怎么答|回答思路|回答框架|回答这[道个]|这道题|"
    r"interviewer|what (is|are) (they|you) (looking|testing)|looking for in (an|the|my|this) answer|"
    r"structure (my|an|the|your) answer|how (should|do|would|can) (i|you|we) (answer|approach|structure)|"
    r"answer (this|that|the) question|what does (this|the) question (test|assess)",
    re.IGNORECASE,
)


_AI = r"(?:AIGC|AI|GenAI|LLM|大模型|生成式\s?AI|人工智能)"
_FRAMING = (
    re.compile(rf"(?:作为|身为)(?:一[名个])?\s?{_AI}?\s?产品经理[，,、：:\s]*(?:的话[，,]?)?(?:你|您)?", re.IGNORECASE),
    # "AIGC产品怎么…", "在AI应用中，如何…": a leading frame followed by what is asked
    re.compile(rf"^(?:在|对于|针对|一个|一款)?\s?{_AI}\s?(?:类)?(?:产品|应用|项目)(?:中|里|里面|来说|而言)?[，,]?\s?"
               r"(?=怎么|如何|该|应该|要|上线|落地|在|做|需要|为什么|的(?:成本|指标|数据|用户))", re.IGNORECASE),
    re.compile(rf"\b(?:for|in|of|with|on|into|to)\s(?:an?|the|your|our|this)\s{_AI}(?:[- ]powered|[- ]based)?\s"
               r"(?:product|app|application|feature|tool|assistant|startup|company)s?\b", re.IGNORECASE),
    re.compile(rf"\bas an?\s(?:{_AI}\s)?(?:PM|product manager)\b,?", re.IGNORECASE),
)
_ROLE = re.compile(r"\bPMs?\b|product manag|产品经理", re.IGNORECASE)
# What must be left for a frame to be dropped: a few Chinese characters or English words.
_MIN_LEFT_CJK, _MIN_LEFT_WORDS = 4, 3


def strip_framing(query: str) -> str:
    """The query without framing that names no topic ("AIGC产品怎么控制推理成本" → "怎么控制推理成本"),
    unless too little would be left."""
    text = query
    for pattern in _FRAMING:
        text = pattern.sub(" ", text)
    text = re.sub(r"\s+([?？.,，])", r"\1", " ".join(text.split())).strip(" ，,")
    if _ROLE.search(text):  # "the role of a PM in an AI product": the AI product is what is asked about
        return query
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z]+", text))
    return text if text != query and (cjk >= _MIN_LEFT_CJK or words >= _MIN_LEFT_WORDS) else query


def drop_framing(terms: list[str]) -> list[str]:
    """The terms that are not framing words (for terms added to a query, such as its glossary synonyms)."""
    return [t for t in terms if t not in FRAMING_TERMS]


def topic_terms(tokens: list[str]) -> list[str]:
    """The query's keyword terms without its framing words, unless too few would be left."""
    kept = drop_framing(tokens)
    return kept if len(kept) >= MIN_TOPIC_TERMS else tokens


def asks_about_interview(query: str) -> bool:
    """True when the query asks what an interviewer tests or how to structure an answer."""
    return bool(_INTERVIEW.search(query))
