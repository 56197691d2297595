"""The heading outline of an answer body, and what role each section plays in search."""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
PATH_SEPARATOR = " › "
ANSWER_HEADING = "参考答案"
CRITERIA_HEADING = "考核点"
SPOKEN_HEADING = "两分钟口述版"
# Sub-sections of 参考答案 that say how to approach the question rather than answer it.
STRUCTURAL_TITLES = frozenset({"回答结构", "答题结构", "答题思路"})

ROLE_ANSWER = "answer"  # content that answers the question
ROLE_META = "meta"  # what the interviewer looks for, or how to structure the answer
ROLE_SPOKEN = "spoken"  # the two-minute spoken version of the whole answer


@dataclass(frozen=True)
class Heading:
    """One Markdown heading: level (1–6), title without emphasis marks, 1-based file line."""

    level: int
    title: str
    line: int


def heading_title(raw: str) -> str:
    """A heading's title as the corpus refers to it: surrounding ``**`` and spaces removed."""
    return raw.strip().strip("*").strip()


def headings(body: str, body_line: int = 1) -> list[Heading]:
    """Every heading of a body, with file lines (``body_line`` is the body's first line)."""
    found = []
    for offset, line in enumerate(body.split("\n")):
        match = HEADING.match(line)
        if match:
            found.append(Heading(len(match.group(1)), heading_title(match.group(2)), body_line + offset))
    return found


def answer_subsections(body: str, body_line: int = 1) -> dict[str, int]:
    """The ``###`` sub-sections of ``## 参考答案``: title → file line of the heading."""
    inside = False
    subsections: dict[str, int] = {}
    for heading in headings(body, body_line):
        if heading.level <= 2:
            inside = heading.level == 2 and heading.title == ANSWER_HEADING
        elif heading.level == 3 and inside:
            subsections.setdefault(heading.title, heading.line)
    return subsections


def section_role(path: str) -> str:
    """The role of a section, from its heading path such as ``参考答案 › 回答结构``."""
    top, _, rest = path.partition(PATH_SEPARATOR)
    if top == CRITERIA_HEADING:
        return ROLE_META
    if top == SPOKEN_HEADING:
        return ROLE_SPOKEN
    if top == ANSWER_HEADING and rest.split(PATH_SEPARATOR)[0] in STRUCTURAL_TITLES:
        return ROLE_META
    return ROLE_ANSWER
