"""Typography of Chinese prose in the answer bank: quotes, punctuation width and CJK–Latin spacing.

The house style (docs/corpus-format.md, "Typography"): curly quotes “ ” in Chinese text, full-width
，。：；？！（） in Chinese sentences, one space between a Chinese character and a Latin letter or digit
(``模型 API``, ``95% 的``), and no space between a Chinese character and full-width punctuation.
Fenced code blocks, inline code, URLs, a leading YAML front matter and the ``#`` title (the article's
question, kept word for word) are not checked.
"""

from __future__ import annotations

import re

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Punctuation that is only ever full-width; curly quotes are shared with English and handled apart.
FULL_WIDTH = "，。、：；？！（）《》【】"
CURLY = "“”‘’"
HIDDEN = "\x00"  # stands in for code spans and URLs: neither Chinese, Latin nor punctuation

FENCE = re.compile(r"^\s*(```|~~~)")
LIST_NUMBER = re.compile(r"^(\s*)\d+\)(?=\s)")  # "1) 第一点" is Markdown list syntax, not a parenthesis
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
URL = re.compile(r"<?https?://[^\s<>()\]]+(?:\([^\s()]*\)[^\s<>()\]]*)*>?|\]\([^)\s]*\)")
EMPHASIS = re.compile(r"\*+|(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])")
# A space beside a bold/italic marker ("**为什么？** 成本…") separates a lead-in from its text: kept as a gap.
EMPHASIS_GAP = re.compile(r"\*+[ \t]+|[ \t]+\*+")

LATIN_WORD = "0-9A-Za-z.+\\-_%/#"
MISSING_AFTER_HAN = re.compile(rf"([{HAN}])([0-9A-Za-z][{LATIN_WORD}]*)")
MISSING_BEFORE_HAN = re.compile(rf"([0-9A-Za-z%][{LATIN_WORD}]*?)(?<=[0-9A-Za-z%])([{HAN}])")
HALF_PUNCT = re.compile(rf"(?<=[{HAN}])[ \t]*([,;:?!])(?=[ \t]*(?:[{HAN}]|$))")
OPEN_PAREN_AFTER_HAN = re.compile(rf"([{HAN}])[ \t]*\(")
CLOSE_PAREN_BEFORE_HAN = re.compile(rf"\)[ \t]*([{HAN}])")
PAREN_PAIR = re.compile(r"\(([^()]*)\)")
SPACE_BEFORE_FULL = re.compile(rf"([{HAN}0-9A-Za-z])[ \t]+([{FULL_WIDTH}])|([{HAN}])[ \t]+([{CURLY}])")
SPACE_AFTER_FULL = re.compile(rf"([{FULL_WIDTH}])[ \t]+([{HAN}0-9A-Za-z])|([{CURLY}])[ \t]+([{HAN}])")
FULL_FORM = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
STRAIGHT_QUOTED = re.compile(r'"([^"\n]*)"')
HAN_CHAR = re.compile(f"[{HAN}]")


def _prose_lines(text: str, first_line: int) -> list[tuple[int, str]]:
    """(file line, line with code spans and URLs hidden) for every line outside front matter and code fences."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            start = end + 1
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1) == fence:
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if line.startswith("# "):
            continue  # the title repeats the article's question word for word
        line = LIST_NUMBER.sub(lambda m: m.group(1) + HIDDEN, line)
        line = CODE_SPAN.sub(HIDDEN, line)
        line = URL.sub(HIDDEN, line)
        line = EMPHASIS_GAP.sub(HIDDEN, line)
        out.append((first_line + i, EMPHASIS.sub("", line)))
    return out


Found = list[tuple[int, str]]  # (column, message) within one line


def _quote_problems(line: str) -> Found:
    found = []
    for m in STRAIGHT_QUOTED.finditer(line):
        before = line[m.start() - 1] if m.start() else ""
        after = line[m.end()] if m.end() < len(line) else ""
        if HAN_CHAR.search(m.group(1)) or HAN_CHAR.match(before) or HAN_CHAR.match(after):
            quoted = _short(m.group(1))
            found.append((m.start(), f'straight quotes around "{quoted}"; use “{quoted}” in Chinese text'))
    paired = {i for m in STRAIGHT_QUOTED.finditer(line) for i in (m.start(), m.end() - 1)}
    for m in re.finditer(r'"', line):
        if m.start() not in paired and HAN_CHAR.search(line[max(m.start() - 1, 0) : m.start() + 2]):
            found.append((m.start(), f'straight quote in "{line[max(m.start() - 1, 0) : m.start() + 2]}"; use “ ”'))
    for m in re.finditer(r"「[^」]*」?|」", line):
        found.append((m.start(), f'corner brackets in "{_short(m.group(0))}"; use “ ” for quotes in Chinese text'))
    return found


def _punctuation_problems(line: str) -> Found:
    found = [
        (m.start(1), f'half-width "{m.group(1)}" after "{line[m.start() - 1]}"; use "{FULL_FORM[m.group(1)]}"')
        for m in HALF_PUNCT.finditer(line)
    ]
    found += [
        (m.end() - 1, f'half-width "(" after "{m.group(1)}"; use "（"') for m in OPEN_PAREN_AFTER_HAN.finditer(line)
    ]
    found += [
        (m.start(), f'half-width ")" before "{m.group(1)}"; use "）"') for m in CLOSE_PAREN_BEFORE_HAN.finditer(line)
    ]
    for m in PAREN_PAIR.finditer(line):
        before, after = line[: m.start()], line[m.end() :]
        if HAN_CHAR.match(before.rstrip()[-1:]) or HAN_CHAR.match(after.lstrip()[:1]):
            continue  # reported above as "(" after or ")" before a Chinese character
        if HAN_CHAR.search(m.group(1)) and HAN_CHAR.search(before + after):
            message = f'half-width parentheses around "{_short(m.group(1))}" in a Chinese sentence; use "（）"'
            found.append((m.start(), message))
    return found


def _spacing_problems(line: str) -> Found:
    found = [
        (m.end(1), f'missing space between "{m.group(1)}" and "{m.group(2)}"') for m in MISSING_AFTER_HAN.finditer(line)
    ]
    found += [
        (m.end(1), f'missing space between "{m.group(1)}" and "{m.group(2)}"')
        for m in MISSING_BEFORE_HAN.finditer(line)
    ]
    for pattern in (SPACE_BEFORE_FULL, SPACE_AFTER_FULL):
        for m in pattern.finditer(line):
            left, right = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            found.append((m.start() + 1, f'space between "{left}" and "{right}"; remove it'))
    return found


def _short(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def typography_problems(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """Departures from the house typography in Markdown prose.

    Args:
        text: Markdown text, normally a corpus file's body (a leading YAML front matter is skipped).
        first_line: the file line of ``text``'s first line, so results are in file coordinates.

    Returns:
        (file line, message) pairs in line order; each message names the characters and gives a hint.
    """
    problems: list[tuple[int, str]] = []
    for number, line in _prose_lines(text, first_line):
        found = _quote_problems(line) + _punctuation_problems(line) + _spacing_problems(line)
        problems.extend((number, message) for _, message in sorted(found, key=lambda item: item[0]))
    return problems
