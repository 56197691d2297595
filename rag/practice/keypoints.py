"""What a good answer to a bank question should say: its key points, read from the corpus file.

Key points are the ``###`` sub-sections of ``## 参考答案`` (advice on how to structure an answer,
``回答结构``, is not one). The ``## 考核点`` list is kept as the interviewer's rubric, and a
two-minute spoken version (any heading containing ``口述版``), where the file has one, is kept as
sentences that the scorer attaches to the key points they restate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..bank.corpus import Document
from ..bank.outline import ANSWER_HEADING, CRITERIA_HEADING, HEADING, STRUCTURAL_TITLES, heading_title

SPOKEN_MARK = "口述版"  # also a spoken sub-section under another title, e.g. "### 口述版（约2分钟）"

# Sentence ends; a newline ends a sentence too (list items, paragraphs).
SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])(?=\s)|\n")
LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)、])\s+")
EMPHASIS = re.compile(r"\*\*|__|`")
NOTE_LINE = re.compile(r"^\s*[*_][^*_].*[*_]\s*$")  # a whole line in italics: an editor's note, not content


@dataclass(frozen=True)
class KeyPoint:
    """One thing the reference answer says, with the sentences that say it and where it is in the file."""

    title: str
    sentences: tuple[str, ...]
    start_line: int
    end_line: int
    text: str  # the section's Markdown, for showing it
    # For a question that is not the bank's (rag.practice.own): the bank answer this point is borrowed
    # from, its index there and its file; empty for a bank question's own points.
    source_id: str = ""
    source_index: int = -1
    path: str = ""

    @property
    def origin(self) -> tuple[str, int] | None:
        """(bank question, key point index) this point was borrowed from, None for a point of its own."""
        return (self.source_id, self.source_index) if self.source_id else None


@dataclass(frozen=True)
class Reference:
    """Everything practice needs from one bank question."""

    question_id: str
    question: str
    part: int
    path: str
    url: str
    key_points: tuple[KeyPoint, ...]
    rubric: tuple[str, ...]
    spoken: tuple[str, ...]
    spoken_line: int  # first line of the spoken version in the file, 0 when there is none
    spoken_text: str = ""  # its Markdown
    own: bool = False  # a question of the user's own (rag.practice.own), key points borrowed from the bank

    def find(self, label: str) -> list[KeyPoint]:
        """Key points whose title is ``label`` or starts with it (labels may shorten long headings)."""
        exact = [k for k in self.key_points if k.title == label]
        return exact or [k for k in self.key_points if k.title.startswith(label)]


def split_sentences(text: str) -> list[str]:
    """Sentences of Chinese/English text or Markdown: list markers and emphasis removed, blanks dropped."""
    out = []
    for line in text.split("\n"):
        for piece in SENTENCE_END.split(LIST_MARK.sub("", line)):
            piece = EMPHASIS.sub("", piece).strip()
            if piece and re.search(r"\w", piece):
                out.append(piece)
    return out


def _blocks(doc: Document) -> list[tuple[int, str, list[tuple[int, str]]]]:
    """The body cut at ``##`` and ``###`` headings: (level, title, numbered lines below it)."""
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    for offset, line in enumerate(doc.body.split("\n")):
        match = HEADING.match(line)
        if match and len(match.group(1)) in (2, 3):
            blocks.append((len(match.group(1)), heading_title(match.group(2)), []))
        elif blocks and not (match and len(match.group(1)) == 1):
            blocks[-1][2].append((doc.body_line + offset, line))
    return blocks


def _content_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines that carry text: no blank lines, no ``####`` headings' marks, no italic editor's notes."""
    out = []
    for number, line in lines:
        if not line.strip() or NOTE_LINE.match(line):
            continue
        match = HEADING.match(line)
        out.append((number, match.group(2) if match else line))
    return out


def _sentences(lines: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(s for _, line in lines for s in split_sentences(line))


def _markdown(lines: list[tuple[int, str]]) -> str:
    """The section's own lines, without italic editor's notes, as Markdown."""
    return "\n".join(line for _, line in lines if not NOTE_LINE.match(line)).strip("\n")


def reference_of(doc: Document) -> Reference:
    """Read the key points, rubric and spoken version of one corpus document."""
    key_points: list[KeyPoint] = []
    rubric: tuple[str, ...] = ()
    spoken: tuple[str, ...] = ()
    spoken_line = 0
    spoken_text = ""
    section = ""
    for level, title, lines in _blocks(doc):
        if level == 2:
            section = title
        content = _content_lines(lines)
        if SPOKEN_MARK in title:
            spoken, spoken_line = _sentences(content), (content[0][0] if content else 0)
            spoken_text = _markdown(lines)
        elif level == 2 and title == CRITERIA_HEADING:
            rubric = tuple(EMPHASIS.sub("", LIST_MARK.sub("", line)).strip() for _, line in content)
        elif level == 3 and section == ANSWER_HEADING and content and title not in STRUCTURAL_TITLES:
            key_points.append(KeyPoint(title, _sentences(content), content[0][0], content[-1][0], _markdown(lines)))
    return Reference(
        question_id=doc.id,
        question=doc.question,
        part=doc.part_number,
        path=doc.path,
        url=doc.source_url,
        key_points=tuple(key_points),
        rubric=rubric,
        spoken=spoken,
        spoken_line=spoken_line,
        spoken_text=spoken_text,
    )
