"""Read and validate the Markdown answer files of the corpus."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import CorpusError, CorpusProblem
from .asked import ASKED_SUFFIX, asked_path, parse_asked
from .glossary import GLOSSARY_FILE, Glossary, parse_glossary
from .not_covered import NotCoveredQuestion, parse_not_covered
from .outline import ANSWER_HEADING, answer_subsections

ID_PATTERN = re.compile(r"^[1-9]\d*\.[1-9]\d*$")
REVIEWED_PATTERN = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
ORIGINS = ("seed", "authored")
NOT_COVERED_FILE = "not-covered.yaml"
DATA_FILES = (GLOSSARY_FILE, NOT_COVERED_FILE)
VANISHED = "the file disappeared while it was read (was it being replaced?); try again"
_RACY_NS = 2_000_000_000  # a file modified this recently may change again within the same mtime: re-read it


@dataclass(frozen=True)
class Document:
    """One prepared question and its answer, as read from one corpus file.

    ``body_line`` is the 1-based file line of the body's first line, so that
    chunk line numbers can be reported in file coordinates.
    """

    id: str
    question: str
    part_number: int
    part_title: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    origin: str
    source_title: str
    source_url: str
    path: str
    body: str
    body_line: int
    sha256: str
    section_questions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (### title, its questions)
    reviewed: str = ""
    note: str = ""
    asked: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (### title, how interviewers ask it): rag.bank.asked
    asked_sha256: str = ""  # of the sidecar file, "" when there is none


def file_digest(data: bytes) -> str:
    """The content hash recorded per file in the index manifest."""
    return hashlib.sha256(data).hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """All Markdown files (and links named like them) below the corpus folder, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError([CorpusProblem(str(corpus_dir), 0, "corpus folder not found")])
    return sorted(p for p in corpus_dir.rglob("*.md") if p.is_symlink() or p.is_file())


def data_files(corpus_dir: Path) -> list[Path]:
    """The corpus folder's files beside the answers that a build reads: sidecars, glossary, not-covered list."""
    sidecars = [p for p in corpus_dir.rglob(f"*{ASKED_SUFFIX}") if p.is_symlink() or p.is_file()]
    named = [corpus_dir / name for name in DATA_FILES]
    return sorted(sidecars) + [p for p in named if p.exists() or p.is_symlink()]


def _real_file(path: Path, root: Path) -> tuple[Path | None, str]:
    """The file ``path`` really is, if it may be read as part of the corpus at ``root`` (resolved); else why not.

    A link may point anywhere; only what stays inside the corpus folder is read, so a link to a
    secret elsewhere is neither indexed nor quoted in an error message.
    """
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        return None, VANISHED if not path.is_symlink() else "a link to a missing file; not read"
    except (OSError, RuntimeError):
        return None, "a link that cannot be followed (a loop?); not read"
    if not real.is_relative_to(root):
        return None, "a link to a file outside the corpus folder; not read"
    if not real.is_file():
        return None, "not a regular file; not read"
    return real, ""


class _DigestCache:
    """Content hashes of files keyed by (size, mtime), so unchanged files are not read again (bounded LRU)."""

    def __init__(self, size: int = 4096):
        self._entries: OrderedDict[str, tuple[int, int, str]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def digest(self, real: Path, max_bytes: int | None) -> str | None:
        """The file's content hash (a size marker when it is over ``max_bytes``); None when it vanished."""
        try:
            stat = real.stat()
        except FileNotFoundError:
            return None
        if max_bytes is not None and stat.st_size > max_bytes:  # rejected by the build anyway: do not read it
            return f"over-limit:{stat.st_size}:{stat.st_mtime_ns}"
        key = str(real)
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None and cached[:2] == (stat.st_size, stat.st_mtime_ns):
            return cached[2]
        try:
            digest = file_digest(real.read_bytes())
        except FileNotFoundError:
            return None
        if time.time_ns() - stat.st_mtime_ns > _RACY_NS:
            with self._lock:
                self._entries[key] = (stat.st_size, stat.st_mtime_ns, digest)
                self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return digest


_digests = _DigestCache()


def corpus_hashes(corpus_dir: Path, max_bytes: int | None = None) -> dict[str, str]:
    """Map each corpus file (path relative to the corpus folder) to its content hash; the glossary counts.

    Files unchanged in size and modification time since the last call are not read again; files
    that vanish meanwhile are left out; links leaving the corpus and files over ``max_bytes`` get a
    marker instead of a hash (they are never read, and never match a build).
    """
    root = corpus_dir.resolve()
    hashes: dict[str, str] = {}
    for path in corpus_files(corpus_dir) + data_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        real, why = _real_file(path, root)
        digest = _digests.digest(real, max_bytes) if real is not None else (None if why == VANISHED else why)
        if digest is not None:
            hashes[rel] = digest
    return hashes


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (yaml text, body, body's first line) or None when there is no front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return None


def _field_line(yaml_text: str, name: str) -> int:
    """1-based file line of a top-level front-matter field (front matter starts on line 2)."""
    for i, line in enumerate(yaml_text.split("\n")):
        if line.startswith(f"{name}:"):
            return i + 2
    return 1


def _string_list(meta: dict[str, Any], name: str, problem) -> tuple[str, ...]:
    value = meta.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problem(name, f"'{name}' must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def _key_lines(yaml_text: str, name: str) -> dict[str, int]:
    """1-based file lines of the keys of a top-level mapping field (front matter starts on line 2)."""
    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == name and isinstance(value, yaml.MappingNode):
            return {str(k.value): k.start_mark.line + 2 for k, _ in value.value}
    return {}


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _section_questions(
    meta: dict[str, Any], yaml_text: str, body: str, body_line: int, problem, located
) -> dict[str, tuple[str, ...]]:
    """Read ``section_questions``: each key names a ``###`` sub-section of 参考答案, each value its questions."""
    value = meta.get("section_questions")
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem("section_questions", "'section_questions' must map sub-section titles to lists of questions")
        return {}
    lines = _key_lines(yaml_text, "section_questions")
    known = answer_subsections(body, body_line)
    result: dict[str, tuple[str, ...]] = {}
    for title, questions in value.items():
        line = lines.get(str(title), _field_line(yaml_text, "section_questions"))
        if str(title) not in known:
            choices = "; ".join(known) or "none"
            located(line, f"section_questions: no '### {title}' under '## {ANSWER_HEADING}' (sub-sections: {choices})")
        elif not _is_text_list(questions):
            located(line, f"section_questions: '{title}' must have a list of non-empty questions")
        else:
            result[str(title)] = tuple(q.strip() for q in questions)
    return result


def _answer_is_empty(body: str) -> bool:
    """True when the body has no 参考答案 heading or no text under it."""
    match = re.search(rf"^##\s+{ANSWER_HEADING}\s*$", body, flags=re.MULTILINE)
    if not match:
        return True
    rest = body[match.end() :]
    text = re.sub(r"^#+.*$", "", rest, flags=re.MULTILINE)
    return not text.strip()


def _read_bounded(path: Path, rel: str, max_bytes: int) -> tuple[bytes | None, list[CorpusProblem]]:
    """The file's bytes, never reading more than ``max_bytes`` + 1; or the problem."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(max_bytes + 1) if size <= max_bytes else b""
    except FileNotFoundError:
        return None, [CorpusProblem(rel, 1, VANISHED)]
    except OSError as exc:
        return None, [CorpusProblem(rel, 1, f"cannot be read: {exc.strerror or exc}")]
    if size > max_bytes or len(data) > max_bytes:
        size = max(size, len(data))
        return None, [CorpusProblem(rel, 1, f"file is {size} bytes, larger than the {max_bytes}-byte limit")]
    return data, []


def _decode(data: bytes, rel: str) -> tuple[str | None, list[CorpusProblem]]:
    """The file's text, or the line of its first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [CorpusProblem(rel, line, f"not valid UTF-8 (byte {exc.start})")]


def read_document(corpus_dir: Path, rel: str, max_bytes: int) -> tuple[Document | None, list[CorpusProblem]]:
    """Parse the corpus file ``rel``, refusing links that leave the corpus folder."""
    real, why = _real_file(corpus_dir / rel, corpus_dir.resolve())
    if real is None:
        return None, [CorpusProblem(rel, 1, why)]
    doc, problems = parse_document(real, rel, max_bytes)
    side = asked_path(rel)
    if doc is None or not ((corpus_dir / side).exists() or (corpus_dir / side).is_symlink()):
        return doc, problems
    text, digest, problems = read_data_file(corpus_dir, side, max_bytes)
    if text is None:
        return None, problems
    asked, problems = parse_asked(text, side, answer_subsections(doc.body, doc.body_line))
    if problems:
        return None, problems
    return replace(doc, asked=tuple(asked.items()), asked_sha256=digest), []


def read_data_file(corpus_dir: Path, rel: str, max_bytes: int) -> tuple[str | None, str, list[CorpusProblem]]:
    """A YAML file of the corpus folder, read like an answer file: (text or None, content hash, problems).

    A link leaving the folder, an oversized or non-UTF-8 file is a problem naming ``rel``.
    """
    real, why = _real_file(corpus_dir / rel, corpus_dir.resolve())
    if real is None:
        return None, "", [CorpusProblem(rel, 1, why)]
    data, problems = _read_bounded(real, rel, max_bytes)
    text, problems = _decode(data, rel) if data is not None else (None, problems)
    return text, (file_digest(data) if text is not None else ""), problems


def parse_document(path: Path, rel: str, max_bytes: int) -> tuple[Document | None, list[CorpusProblem]]:
    """Parse one corpus file; return the document (None if unusable) and its problems."""
    problems: list[CorpusProblem] = []
    data, unreadable = _read_bounded(path, rel, max_bytes)
    text, unreadable = _decode(data, rel) if data is not None else (None, unreadable)
    if text is None:
        return None, unreadable
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    parts = _split_front_matter(text)
    if parts is None:
        return None, [CorpusProblem(rel, 1, "missing YAML front matter (a '---' block at the top)")]
    yaml_text, body, body_line = parts
    try:
        meta = yaml.safe_load(yaml_text) or {}
    except yaml.YAMLError as exc:
        # Report where the broken construct starts (context), else where parsing failed.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)])) or str(exc)
        return None, [CorpusProblem(rel, line, f"invalid YAML front matter: {reason}")]
    if not isinstance(meta, dict):
        return None, [CorpusProblem(rel, 2, "front matter must be a mapping of fields")]

    def located(line: int, message: str) -> None:
        problems.append(CorpusProblem(rel, line, message))

    def problem(name: str, message: str) -> None:
        located(_field_line(yaml_text, name), message)

    qid = meta.get("id")
    if qid is None:
        problem("id", "missing required field 'id'")
    elif not isinstance(qid, str) or not ID_PATTERN.match(qid):
        problem("id", f"'id' must be a quoted string like \"2.5\", got {qid!r}")
    question = meta.get("question")
    if not isinstance(question, str) or not question.strip():
        problem("question", "missing required field 'question'")
    part = meta.get("part")
    if not isinstance(part, dict) or not isinstance(part.get("number"), int) or not isinstance(part.get("title"), str):
        problem("part", "'part' must be a mapping with 'number' (integer) and 'title' (text)")
        part = {"number": 0, "title": ""}
    origin = meta.get("origin")
    if origin not in ORIGINS:
        problem("origin", f"'origin' must be one of {', '.join(ORIGINS)}, got {origin!r}")
    source = meta.get("source") or {}
    if not isinstance(source, dict):
        problem("source", "'source' must be a mapping with 'title' and 'url'")
        source = {}
    if origin == "seed" and not source.get("url"):
        problem("source", "seed answers need 'source' with the original article's 'url'")
    aliases = _string_list(meta, "aliases", problem)
    tags = _string_list(meta, "tags", problem)
    section_questions = _section_questions(meta, yaml_text, body, body_line, problem, located)
    reviewed = meta.get("reviewed")
    if reviewed is not None and not (isinstance(reviewed, str) and REVIEWED_PATTERN.match(reviewed)):
        problem("reviewed", f"'reviewed' must be a month like \"2026-11\" (quoted), got {reviewed!r}")
        reviewed = None
    note = meta.get("note")
    if note is not None and not isinstance(note, str):
        problem("note", "'note' must be text")
        note = None
    if _answer_is_empty(body):
        heading_at = next((i for i, ln in enumerate(body.split("\n")) if ANSWER_HEADING in ln), 0)
        line = body_line + heading_at
        problems.append(CorpusProblem(rel, line, f"empty answer: no text under a '## {ANSWER_HEADING}' heading"))
    if problems:
        return None, problems
    doc = Document(
        id=qid,
        question=question.strip(),
        part_number=part["number"],
        part_title=part["title"].strip(),
        aliases=aliases,
        tags=tags,
        origin=origin,
        source_title=str(source.get("title", "")),
        source_url=str(source.get("url", "")),
        path=rel,
        body=body,
        body_line=body_line,
        sha256=file_digest(data),
        section_questions=tuple(section_questions.items()),
        reviewed=reviewed or "",
        note=(note or "").strip(),
    )
    return doc, []


@dataclass(frozen=True)
class GlossaryFile:
    """The corpus folder's glossary: its groups, the file's content hash ("" when there is none), problems."""

    glossary: Glossary
    sha256: str
    problems: list[CorpusProblem]


def read_glossary(corpus_dir: Path, max_bytes: int = 512_000) -> GlossaryFile:
    """Read ``glossary.yaml`` like a corpus file: a link leaving the folder, an oversized or non-UTF-8
    file is a problem, and the hash is the one ``corpus_hashes`` records. Empty when there is none."""
    path = corpus_dir / GLOSSARY_FILE
    if not (path.exists() or path.is_symlink()):
        return GlossaryFile(Glossary([]), "", [])
    text, digest, problems = read_data_file(corpus_dir, GLOSSARY_FILE, max_bytes)
    if text is None:
        return GlossaryFile(Glossary([]), "", problems)
    glossary, problems = parse_glossary(text, GLOSSARY_FILE)
    return GlossaryFile(glossary, digest, problems)


@dataclass(frozen=True)
class NotCoveredFile:
    """The corpus folder's list of questions the bank does not answer, its content hash, its problems."""

    questions: list[NotCoveredQuestion]
    sha256: str
    problems: list[CorpusProblem]


def read_not_covered(corpus_dir: Path, max_bytes: int = 512_000) -> NotCoveredFile:
    """Read ``not-covered.yaml`` (rag.bank.not_covered) like the glossary; empty when there is none."""
    path = corpus_dir / NOT_COVERED_FILE
    if not (path.exists() or path.is_symlink()):
        return NotCoveredFile([], "", [])
    text, digest, problems = read_data_file(corpus_dir, NOT_COVERED_FILE, max_bytes)
    if text is None:
        return NotCoveredFile([], "", problems)
    questions, problems = parse_not_covered(text, NOT_COVERED_FILE)
    return NotCoveredFile(questions, digest, problems)


def check_corpus(corpus_dir: Path, max_bytes: int = 512_000) -> tuple[list[Document], list[CorpusProblem]]:
    """Read every corpus file and the glossary; return the valid documents and every problem found."""
    try:
        files = corpus_files(corpus_dir)
    except CorpusError as exc:
        return [], exc.problems
    docs: list[Document] = []
    problems: list[CorpusProblem] = []
    first_path: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(corpus_dir).as_posix()
        doc, found = read_document(corpus_dir, rel, max_bytes)
        problems.extend(found)
        if doc is None:
            continue
        if doc.id in first_path:
            problems.append(CorpusProblem(rel, 2, f"duplicate id {doc.id!r} (also in {first_path[doc.id]})"))
            continue
        first_path[doc.id] = rel
        docs.append(doc)
    if not files:
        problems.append(CorpusProblem(str(corpus_dir), 0, "no Markdown (.md) files in the corpus folder"))
    answers = {path.relative_to(corpus_dir).as_posix() for path in files}
    for side in corpus_dir.rglob(f"*{ASKED_SUFFIX}"):
        rel = side.relative_to(corpus_dir).as_posix()
        if rel.removesuffix(ASKED_SUFFIX) + ".md" not in answers:
            problems.append(CorpusProblem(rel, 1, "asked questions for an answer file that does not exist "
                                                  f"(expected {rel.removesuffix(ASKED_SUFFIX)}.md)"))
    problems.extend(read_glossary(corpus_dir, max_bytes).problems)
    problems.extend(read_not_covered(corpus_dir, max_bytes).problems)
    return docs, problems


def load_corpus(corpus_dir: Path, max_bytes: int = 512_000) -> list[Document]:
    """Read and validate the corpus.

    Raises:
        CorpusError: with every problem (file and line) when any file is invalid.
    """
    docs, problems = check_corpus(corpus_dir, max_bytes)
    if problems:
        raise CorpusError(problems)
    return docs
