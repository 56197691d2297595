"""A long-lived answer finder: searches the current index, refreshes it, swaps it in live."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .config import Config
from .corpus import Document, corpus_hashes, parse_document
from .errors import CorpusError, IndexNotFound
from .indexer import BuildReport, Progress, build_index, settings_changed
from .search import Searcher, SearchResponse
from .store import load_index, read_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexStatus:
    """What the index panel shows: which embedders, how many chunks, when built, whether stale."""

    exists: bool
    embedders: list[str]
    chunk_count: int
    built_at: str
    stale: bool
    changed_files: list[str]


def index_status(config: Config) -> IndexStatus:
    """Describe the current index and whether the corpus changed since it was built."""
    manifest = read_manifest(config.index)
    try:
        hashes = corpus_hashes(config.corpus)
    except CorpusError:
        hashes = {}
    if manifest is None:
        return IndexStatus(False, [], 0, "", True, sorted(hashes))
    built = manifest["files"]
    changed = sorted(p for p in set(hashes) | set(built) if hashes.get(p) != built.get(p))
    names = [e["name"] for e in manifest["embedders"]]
    stale = bool(changed) or settings_changed(manifest, config)
    return IndexStatus(True, names, manifest["chunk_count"], manifest["built_at"], stale, changed)


def open_searcher(config: Config, refresh: bool = True) -> Searcher:
    """A Searcher over the index; first builds or refreshes it when the corpus changed.

    What it does is logged on the ``rag.service`` logger: the build and its summary at INFO,
    corpus problems that leave the previous index in use at WARNING.

    Raises:
        IndexNotFound: no index and ``refresh`` is False.
        CorpusError: a refresh was needed and the corpus is invalid (when an older
            index exists, it is used instead and the error is not raised).
    """
    if refresh and index_status(config).stale:
        exists = read_manifest(config.index) is not None
        log.info("%s the index of %s …", "Refreshing" if exists else "Building", config.corpus)
        try:
            log.info(build_index(config).summary())
        except CorpusError as exc:
            if not exists:
                raise
            log.warning("%s\nThe previous index is still in use; fix the corpus and it is refreshed next time.", exc)
    return Searcher(load_index(config.index), config)


class AnswerFinder:
    """Thread-safe search over an index that can be rebuilt while searches go on.

    Searches always use a complete loaded index; a rebuild loads the new one
    beside it and swaps the reference only when it is ready.
    """

    def __init__(self, config: Config, refresh: bool = True):
        self.config = config
        self._searcher = open_searcher(config, refresh)
        self._rebuild_lock = threading.Lock()
        self._answers: dict[tuple[str, int, int], Document | None] = {}

    @property
    def searcher(self) -> Searcher:
        return self._searcher

    def search(self, query: str, k: int = 5, part: int | None = None) -> SearchResponse:
        return self._searcher.search(query, k, part)

    def full_answer(self, question_id: str) -> Document | None:
        """The whole prepared answer of a question, as its corpus file says now (None if gone or invalid)."""
        path = next((c.path for c in self._searcher.chunks if c.question_id == question_id), None)
        file = self.config.corpus / path if path is not None else None
        if file is None or not file.is_file():
            return None
        stat = file.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._answers:  # parsing YAML on every card made a search 3x slower
            self._answers[key], _ = parse_document(file, path, self.config.max_file_bytes)
        return self._answers[key]

    def status(self) -> IndexStatus:
        return index_status(self.config)

    def rebuild(self, full: bool = False, progress: Progress | None = None) -> BuildReport:
        """Refresh the index and swap it in; the old one keeps serving until then.

        Raises:
            CorpusError: the corpus is invalid; the current index stays in use.
        """
        with self._rebuild_lock:
            report = build_index(self.config, full=full, progress=progress)
            self._searcher = Searcher(load_index(self.config.index), self.config)
            return report

    def refresh_if_stale(self) -> BuildReport | None:
        """Rebuild incrementally when the corpus changed since the index was built."""
        return self.rebuild() if self.status().stale else None


__all__ = ["AnswerFinder", "IndexNotFound", "IndexStatus", "index_status", "open_searcher"]
