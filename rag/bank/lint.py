"""Warnings about a valid corpus: completeness (section questions, spoken version, dates) and typography.

Unlike the problems of ``rag.bank.corpus`` these never stop a build; ``rag check`` lists them and
``rag check --strict`` fails on them.
"""

from __future__ import annotations

import re

from ..errors import CorpusProblem
from ..text.typography import typography_problems
from .corpus import Document
from .outline import SPOKEN_HEADING, answer_subsections, headings

MIN_SECTION_QUESTIONS, MAX_SECTION_QUESTIONS = 2, 4
HAN = re.compile(r"[\u4e00-\u9fff]")


def _section_question_warnings(doc: Document) -> list[str]:
    given = dict(doc.section_questions)
    messages = []
    for title in answer_subsections(doc.body, doc.body_line):
        questions = given.get(title, ())
        if not MIN_SECTION_QUESTIONS <= len(questions) <= MAX_SECTION_QUESTIONS:
            messages.append(
                f"'### {title}' has {len(questions)} section questions "
                f"({MIN_SECTION_QUESTIONS}–{MAX_SECTION_QUESTIONS} expected in section_questions)"
            )
        elif not any(HAN.search(q) for q in questions) or all(HAN.search(q) for q in questions):
            messages.append(f"'### {title}' needs at least one Chinese and one English section question")
    return messages


def _spoken_range(doc: Document) -> tuple[int, int] | None:
    """Body line offsets [start, end) of the spoken-version section, if any."""
    found = headings(doc.body, 0)
    start = next((h.line for h in found if h.level == 2 and h.title == SPOKEN_HEADING), None)
    if start is None:
        return None
    end = next((h.line for h in found if h.level <= 2 and h.line > start), len(doc.body.split("\n")))
    return start, end


def _typography(doc: Document, spoken: tuple[int, int] | None) -> list[CorpusProblem]:
    """Typography of what the project wrote: all of an authored answer, the spoken version of a seed one.

    Heading lines are left out: eval sets refer to headings by their exact titles.
    """
    lines = doc.body.split("\n")
    if doc.origin == "seed":
        if spoken is None:
            return []
        start, end = spoken
        text, first = "\n".join(lines[start:end]), doc.body_line + start
    else:
        text, first = doc.body, doc.body_line
    return [
        CorpusProblem(doc.path, line, f"typography: {message}")
        for line, message in typography_problems(text, first)
        if not lines[line - doc.body_line].startswith("#")
    ]


def corpus_warnings(docs: list[Document]) -> list[CorpusProblem]:
    """Every warning about valid documents, located by file and line (line 2: the front matter)."""
    warnings: list[CorpusProblem] = []
    for doc in docs:
        warnings += [CorpusProblem(doc.path, 2, m) for m in _section_question_warnings(doc)]
        spoken = _spoken_range(doc)
        if spoken is None:
            warnings.append(CorpusProblem(doc.path, doc.body_line, f"no '## {SPOKEN_HEADING}' (two-minute version)"))
        if doc.origin == "authored" and not doc.reviewed:
            warnings.append(CorpusProblem(doc.path, 2, "authored answer without 'reviewed: YYYY-MM'"))
        if doc.origin == "seed" and not doc.note:
            warnings.append(CorpusProblem(doc.path, 2, "seed answer without a 'note' on when the article was written"))
        warnings += _typography(doc, spoken)
    return warnings
