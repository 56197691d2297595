"""A long-lived answer finder: searches the current index, refreshes it, swaps it in live."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .bank.corpus import Document, corpus_hashes, read_document
from .config import Config
from .errors import CorpusError, IndexNotFound, RagError, RebuildFailed, RebuildRunning
from .index.embedders.shared import shared_queries
from .index.indexer import BuildReport, Progress, build_index, settings_changed
from .index.store import current_build, load_index, read_manifest
from .search.searcher import Searcher, SearchResponse

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class IndexStatus:
    """What the index panel shows: which embedders, how many chunks, when built, whether stale."""

    exists: bool
    embedders: list[str]
    chunk_count: int
    built_at: str
    stale: bool
    changed_files: list[str]


def _describe(manifest: dict | None, config: Config) -> IndexStatus:
    """The status of the build with ``manifest`` (None: no index) against the corpus as it is now."""
    try:
        hashes = corpus_hashes(config.corpus, config.max_file_bytes)
    except CorpusError:
        hashes = {}
    if manifest is None:
        return IndexStatus(False, [], 0, "", True, sorted(hashes))
    built = manifest["files"]
    changed = sorted(p for p in set(hashes) | set(built) if hashes.get(p) != built.get(p))
    names = [e["name"] for e in manifest["embedders"]]
    stale = bool(changed) or settings_changed(manifest, config)
    return IndexStatus(True, names, manifest["chunk_count"], manifest["built_at"], stale, changed)


def index_status(config: Config) -> IndexStatus:
    """Describe the index on disk and whether the corpus changed since it was built."""
    return _describe(read_manifest(config.index), config)


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


REBUILD_NICENESS = 10  # searches get the cores first while a rebuild embeds


def os_error_text(exc: OSError, root: Path) -> str:
    """An OS error as one line that names its files relative to ``root`` (never the server's absolute paths)."""

    def shown(name: str | bytes | os.PathLike) -> str:
        path = Path(os.fsdecode(name))
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except (ValueError, OSError):
            return path.name

    files = [shown(f) for f in (exc.filename, exc.filename2) if isinstance(f, str | bytes | os.PathLike)]
    reason = exc.strerror or type(exc).__name__
    return f"the index folder failed: {reason}" + (f" ({', '.join(files)})" if files else "")


def _at_low_priority(work: Callable[[], T]) -> T:
    """Run ``work`` on a fresh thread with a lowered CPU priority, wait for it, return or raise its outcome.

    On Linux the priority is per thread, and the embedding engine's worker threads that this thread
    starts inherit it and end with it; elsewhere the work simply runs at normal priority. The
    caller's context variables go along (Gradio's progress bar relies on them).
    """
    outcome: dict[str, Any] = {}
    context = contextvars.copy_context()

    def run() -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REBUILD_NICENESS)
        try:
            outcome["value"] = context.run(work)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="rag-rebuild")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class AnswerFinder:
    """Thread-safe search over an index that can be rebuilt while searches go on.

    Searches always use a complete loaded index; a rebuild loads the new one beside it and swaps
    the reference only when it is ready. One rebuild runs at a time: another request meanwhile is
    refused at once (``RebuildRunning``) instead of holding a thread. A newer build written by
    another process (``rag index``, a second server) is noticed and loaded in the background.
    """

    RELOAD_CHECK_SECONDS = 1.0  # how often a search or status looks for a newer build on disk
    ANSWER_CACHE_SIZE = 64  # parsed full answers kept, one per corpus file

    def __init__(self, config: Config, refresh: bool = True):
        self.config = config
        self._rebuild_lock = threading.Lock()
        self._answers: OrderedDict[str, tuple[tuple[int, int], Document | None]] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._next_check = 0.0
        self._swap(open_searcher(config, refresh))

    @property
    def searcher(self) -> Searcher:
        return self._searcher

    @property
    def parts(self) -> tuple[int, ...]:
        """The parts of the bank the current index holds (1, 2, 3, … as the corpus has them)."""
        return self._searcher.parts

    @property
    def rebuilding(self) -> bool:
        """True while a rebuild (or the loading of a newer build) is running."""
        return self._rebuild_lock.locked()

    def _swap(self, searcher: Searcher) -> None:
        # Served queries share one cached, batching query encoder per model (it outlives rebuilds).
        searcher.embedders = [shared_queries(e) for e in searcher.embedders]
        self._paths = {c.question_id: c.path for c in searcher.chunks}
        self._searcher = searcher

    def search(self, query: str, k: int = 5, part: int | None = None) -> SearchResponse:
        self._notice_new_build()
        return self._searcher.search(query, k, part)

    def search_batch(self, queries: list[str], k: int = 5, part: int | None = None) -> list[SearchResponse]:
        self._notice_new_build()
        return self._searcher.search_batch(queries, k, part)

    def full_answer(self, question_id: str) -> Document | None:
        """The whole prepared answer of a question, as its corpus file says now (None if gone or invalid)."""
        path = self._paths.get(question_id)
        if path is None:
            return None
        try:
            stat = (self.config.corpus / path).stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._answers_lock:
            cached = self._answers.get(path)
        if cached is not None and cached[0] == key:  # parsing YAML on every card made a search 3x slower
            return cached[1]
        doc, _ = read_document(self.config.corpus, path, self.config.max_file_bytes)
        with self._answers_lock:
            self._answers[path] = (key, doc)
            self._answers.move_to_end(path)
            while len(self._answers) > self.ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)
        return doc

    def status(self) -> IndexStatus:
        """The index this finder answers from (not merely the newest on disk) against the corpus now."""
        status = _describe(self._searcher.index.manifest, self.config)
        self._notice_new_build()
        return status

    def rebuild(self, full: bool = False, progress: Progress | None = None, wait: bool = False) -> BuildReport:
        """Refresh the index and swap it in; the old one keeps serving until then.

        Args:
            full: re-embed every chunk.
            progress: called with (fraction, message).
            wait: wait for a running rebuild to finish instead of refusing (for the one watcher thread).

        Raises:
            RebuildRunning: another rebuild is running and ``wait`` is False.
            CorpusError: the corpus is invalid; the current index stays in use.
            RebuildFailed: an operating-system error (e.g. the index folder is not writable); the
                current index stays in use. The message names files relative to the index's folder.
        """
        if not self._rebuild_lock.acquire(blocking=wait):
            raise RebuildRunning("a rebuild is already running; try again when it has finished")
        try:
            report = _at_low_priority(lambda: build_index(self.config, full=full, progress=progress))
            if Path(report.index_path) != self._searcher.index.path:
                self._swap(Searcher(load_index(self.config.index), self.config))
            return report
        except OSError as exc:  # corpus files that vanish are CorpusErrors already: this is the index's side
            raise RebuildFailed(os_error_text(exc, self.config.index.parent)) from exc
        finally:
            self._rebuild_lock.release()

    def refresh_if_stale(self) -> BuildReport | None:
        """Rebuild incrementally when the corpus changed since the index was built (waits for a running one)."""
        return self.rebuild(wait=True) if self.status().stale else None

    def _notice_new_build(self) -> None:
        """Load a build that another process made current, in the background (at most one check a second)."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.RELOAD_CHECK_SECONDS
        build = current_build(self.config.index)
        if build is None or build == self._searcher.index.path or not self._rebuild_lock.acquire(blocking=False):
            return  # nothing new, or a rebuild is running and will swap in its own build
        threading.Thread(target=self._reload, name="rag-reload-index", daemon=True).start()

    def _reload(self) -> None:
        try:
            self._swap(Searcher(load_index(self.config.index), self.config))
            log.info("Loaded the newer index build %s", self._searcher.index.path.name)
        except (RagError, OSError, ValueError) as exc:  # e.g. pruned by another build meanwhile: retried later
            log.warning("A newer index build could not be loaded yet: %s", exc)
        finally:
            self._rebuild_lock.release()


__all__ = ["AnswerFinder", "IndexNotFound", "IndexStatus", "RebuildRunning", "index_status", "open_searcher"]
