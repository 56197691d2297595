"""Split answer documents into searchable chunks: sections, plus the question and its aliases."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

from ..bank.corpus import Document
from ..bank.outline import (
    ANSWER_HEADING,
    CRITERIA_HEADING,
    HEADING,
    PATH_SEPARATOR,
    ROLE_ANSWER,
    heading_title,
    section_role,
)

SENTENCE_END = re.compile(r"(?<=[。！？!?；;.])\s*")
CHUNKING_VERSION = 4  # 2: questions per section, section roles; 3: generated questions for 考核点;
# 4: paragraphs longer than max_chars split at sentence ends, then hard
# What a candidate asks when they want a question's 考核点 rather than its answer.
CRITERIA_QUESTIONS = ("面试官问“{q}”，想考察什么能力？", "What is the interviewer looking for when they ask: {q}")


@dataclass(frozen=True)
class Chunk:
    """One unit of retrieval, with everything needed to show and cite it.

    ``kind`` is ``section`` for answer text, ``question`` or ``alias`` for the
    question's own wordings (indexed so a paraphrase finds its answer), and
    ``section_question`` for a question one section answers on its own (it
    leads to that section: same ``section`` and lines). ``role`` is the
    section's role (``answer``, ``meta`` or ``spoken``, see ``rag.bank.outline``);
    ``question`` for the question's own wordings.
    Lines are 1-based and inclusive, in the corpus file's coordinates.
    """

    id: str
    question_id: str
    question: str
    part: int
    kind: str
    section: str
    text: str
    path: str
    start_line: int
    end_line: int
    url: str
    role: str = ROLE_ANSWER

    @property
    def embed_text(self) -> str:
        """What the embedders and BM25 see: sections carry their own heading.

        Not the question: with it, every section of one answer looked alike and the wrong one
        was often shown (the question's wordings and section questions lead to the answer instead).
        """
        if self.kind != "section":
            return self.text
        return f"{self.section.rsplit(PATH_SEPARATOR, 1)[-1]}\n{self.text}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Unit:
    """A paragraph or list item with its file lines; the smallest piece a section splits into."""

    text: str
    start: int
    end: int


def _chunk_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def _units(lines: list[tuple[int, str]]) -> list[_Unit]:
    """Group a section's lines into paragraphs and top-level list items."""
    units: list[_Unit] = []
    current: _Unit | None = None
    for number, line in lines:
        starts_item = bool(re.match(r"^(\s{0,1}[-*+]|\d+[.)、])\s", line))
        if not line.strip() or starts_item or HEADING.match(line):
            if current:
                units.append(current)
            current = None
            if not line.strip():
                continue
        if current is None:
            current = _Unit(line.rstrip(), number, number)
        else:
            current.text += "\n" + line.rstrip()
            current.end = number
    if current:
        units.append(current)
    return units


# Where a long line may be cut: after Chinese sentence punctuation, or after ASCII punctuation that a
# space follows (so "0.1", "e.g." inside a word and URLs are not cut).
SENTENCE_CUT = re.compile(r"(?<=[。！？；])\s*|(?<=[!?;.])\s+")


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the lines of ``text``."""
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text[start:end]``, without the spaces between them."""
    spans = []
    for match in SENTENCE_CUT.finditer(text, start, end):
        if match.start() > start:
            spans.append((start, match.start()))
        start = max(start, match.end())
    if start < end:
        spans.append((start, end))
    return spans


def _hard_cuts(start: int, end: int, text: str, limit: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into pieces of at most ``limit``, at a space when one is near the end."""
    cuts = []
    while end - start > limit:
        space = text.rfind(" ", start + limit // 2, start + limit)
        stop = space if space > start else start + limit
        cuts.append((start, stop))
        start = stop + (1 if space > start else 0)
    return [*cuts, (start, end)]


def _split_long(unit: _Unit, max_chars: int) -> list[_Unit]:
    """A paragraph longer than ``max_chars`` as pieces of whole lines, each at most ``max_chars``.

    A line longer than that is cut at sentence ends, and a sentence longer than that is cut hard,
    so no single paragraph can make a huge chunk.
    """
    text = unit.text
    if len(text) <= max_chars:
        return [unit]
    spans = []
    for line_start, line_end in _line_spans(text):  # whole lines first (table rows, soft breaks)
        if line_end - line_start <= max_chars:
            spans.append((line_start, line_end))
            continue
        for start, end in _sentence_spans(text, line_start, line_end):
            spans.extend(_hard_cuts(start, end, text, max_chars))
    pieces: list[tuple[int, int]] = []
    for start, end in spans:
        if pieces and end - pieces[-1][0] <= max_chars:
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    out = []
    for start, end in pieces:
        first = unit.start + text.count("\n", 0, start)
        out.append(_Unit(text[start:end], first, first + text.count("\n", start, end)))
    return out


def _tail(text: str, limit: int) -> str:
    """The last sentences of a text, at most ``limit`` characters, for overlap."""
    sentences = [s for s in SENTENCE_END.split(text) if s]
    tail = ""
    for sentence in reversed(sentences):
        if len(tail) + len(sentence) > limit:
            break
        tail = sentence + tail
    return tail


def _split_section(units: list[_Unit], max_chars: int, overlap: int) -> list[_Unit]:
    """Pack units into pieces of about ``max_chars``; each later piece starts with an overlap."""
    pieces: list[_Unit] = []
    current: _Unit | None = None
    for unit in units:
        if current is not None and len(current.text) + len(unit.text) > max_chars:
            pieces.append(current)
            lead = _tail(current.text, overlap)
            current = _Unit((lead + "\n" if lead else "") + unit.text, unit.start, unit.end)
            continue
        if current is None:
            current = _Unit(unit.text, unit.start, unit.end)
        else:
            current.text += "\n" + unit.text
            current.end = unit.end
    if current is not None:
        pieces.append(current)
    return pieces


def _sections(doc: Document) -> list[tuple[str, list[tuple[int, str]]]]:
    """Cut the body at ``##`` and ``###`` headings; return (heading path, numbered lines)."""
    sections: list[tuple[str, list[tuple[int, str]]]] = []
    path: list[str] = []
    lines: list[tuple[int, str]] = []
    for offset, line in enumerate(doc.body.split("\n")):
        match = HEADING.match(line)
        if match and len(match.group(1)) <= 3:
            if lines:
                sections.append((PATH_SEPARATOR.join(path), lines))
            level = len(match.group(1))
            title = heading_title(match.group(2))
            path = [] if level == 1 else path[: level - 2] + [title]
            lines = []
            continue
        lines.append((doc.body_line + offset, line))
    if lines:
        sections.append((PATH_SEPARATOR.join(path), lines))
    return [(p, ls) for p, ls in sections if any(text.strip() for _, text in ls)]


def chunk_document(doc: Document, max_chars: int = 600, overlap: int = 80) -> list[Chunk]:
    """All chunks of one document: its question, each alias, its sections and the questions each section answers.

    Args:
        doc: a parsed corpus document.
        max_chars: sections longer than this are split at paragraph boundaries, and paragraphs
            longer than this at sentence ends (or hard, inside a sentence with none).
        overlap: characters of trailing sentences repeated at the start of the next piece.
    """

    def make(kind: str, section: str, text: str, start: int, end: int, role: str = "question") -> Chunk:
        return Chunk(
            id=_chunk_id(doc.id, kind, doc.question, section, text),
            question_id=doc.id,
            question=doc.question,
            part=doc.part_number,
            kind=kind,
            section=section,
            text=text,
            path=doc.path,
            start_line=start,
            end_line=end,
            url=doc.source_url,
            role=role,
        )

    front = (1, doc.body_line - 1)
    chunks = [make("question", "", doc.question, *front)]
    wordings = dict.fromkeys(a for a in doc.aliases if a != doc.question)  # unique, in order
    chunks += [make("alias", "", alias, *front) for alias in wordings]
    for section, lines in _sections(doc):
        path = section or doc.question
        role = section_role(path)
        units = [piece for unit in _units(lines) for piece in _split_long(unit, max_chars)]
        for piece in _split_section(units, max_chars, overlap):
            chunks.append(make("section", path, piece.text, piece.start, piece.end, role))
        top, _, title = section.partition(PATH_SEPARATOR)
        questions = ()
        if top == ANSWER_HEADING:  # the front matter's section questions, then how interviewers ask (rag.bank.asked)
            questions = dict(doc.section_questions).get(title, ()) + dict(doc.asked).get(title, ())
        if section == CRITERIA_HEADING:
            questions = tuple(template.format(q=doc.question) for template in CRITERIA_QUESTIONS)
        if questions:
            filled = [number for number, text in lines if text.strip()]
            for question in dict.fromkeys(questions):
                chunks.append(make("section_question", path, question, filled[0], filled[-1], role))
    return chunks
