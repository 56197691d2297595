"""Build or refresh the index: embed only new chunks, reuse the rest, swap in atomically."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import bm25s
import numpy as np

from ..bank.asked import asked_path
from ..bank.corpus import NOT_COVERED_FILE, load_corpus, read_glossary, read_not_covered
from ..bank.glossary import GLOSSARY_FILE
from ..config import Config
from ..errors import CorpusError, IndexNotFound
from ..text.tokenize import TOKENIZER_VERSION, tokenize
from .chunking import CHUNKING_VERSION, Chunk, chunk_document
from .embedders import Embedder, get_embedder
from .seed import load_seed, shipped_vector, write_seed
from .store import FORMAT_VERSION, StoredIndex, build_lock, dense_file, load_index, make_vector_index, write_build

Progress = Callable[[float, str], None]
EMBED_BATCH = 32


@dataclass
class BuildReport:
    """What a build did: counts of files and chunks, and how long it took."""

    files: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_seeded: int = 0
    files_added: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    full: bool = False
    seconds: float = 0.0
    index_path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One human-readable line."""
        # A build that could reuse nothing of a previous one but took the shipped vectors (a fresh clone's first
        # build) embedded little: "full rebuild" read as if it had embedded everything.
        kind = "refresh" if not self.full else "build" if self.chunks_seeded else "full rebuild"
        return (
            f"{kind}: {self.files} files, {self.chunks} chunks "
            f"({self.chunks_embedded} embedded, {self.chunks_reused} reused); "
            f"files added {len(self.files_added)}, changed {len(self.files_changed)}, "
            f"removed {len(self.files_removed)}; {self.seconds:.2f} s"
        ) + (f"; {self.chunks_seeded} of the reused vectors shipped in vectors/" if self.chunks_seeded else "")


def _chunking_settings(config: Config) -> dict:
    return {"max_chars": config.max_chunk_chars, "overlap_chars": config.overlap_chars, "version": CHUNKING_VERSION}


def settings_changed(manifest: dict, config: Config) -> bool:
    """True when a build used other embedders, chunking or keyword tokenizer than ``config`` asks for."""
    return (
        [e["name"] for e in manifest["embedders"]] != list(config.embedders)
        or manifest.get("chunking") != _chunking_settings(config)
        or manifest.get("tokenizer_version") != TOKENIZER_VERSION
    )


def _reusable(previous: StoredIndex | None, config: Config, embedders: list[Embedder]) -> StoredIndex | None:
    """The previous build if its vectors may be reused: same format, chunking and embedders."""
    if previous is None:
        return None
    manifest = previous.manifest
    same_embedders = [e["id"] for e in manifest["embedders"]] == [e.id for e in embedders]
    same_chunking = manifest.get("chunking") == _chunking_settings(config)
    return previous if same_embedders and same_chunking else None


def _unchanged(previous: StoredIndex, chunks: list[Chunk], files: dict[str, str]) -> bool:
    """True when ``previous`` already holds exactly these chunks, files and keyword tokenizer."""
    return (
        previous.manifest["files"] == files
        and previous.manifest.get("tokenizer_version") == TOKENIZER_VERSION
        and [c.to_dict() for c in previous.chunks] == [c.to_dict() for c in chunks]
    )


def _embed(
    embedder: Embedder,
    chunks: list[Chunk],
    cache: dict[str, np.ndarray],
    progress: Progress,
    done: list[int],
    total: int,
) -> np.ndarray:
    """Vectors for all chunks, taken from ``cache`` where present, embedded otherwise."""
    missing = [c for c in chunks if c.id not in cache]
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        for chunk, vector in zip(batch, embedder.encode_passages([c.embed_text for c in batch])):
            fresh[chunk.id] = vector
        done[0] += len(batch)
        progress(0.05 + 0.9 * done[0] / max(total, 1), f"{embedder.name}: embedded {done[0]}/{total} chunks")
    vectors = [cache[c.id] if c.id in cache else fresh[c.id] for c in chunks]
    return np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, embedder.dim), np.float32)


def _embed_not_covered(
    embedder: Embedder, texts: list[str], previous: StoredIndex | None, seed: dict[str, np.ndarray]
) -> np.ndarray:
    """Vectors of the not-covered questions, embedded like section questions; reused by text when unchanged
    (from the previous build, else from the shipped vectors)."""
    cache: dict[str, np.ndarray] = {}
    if previous is not None and embedder.name in previous.not_covered:
        old = [q["text"] for q in previous.manifest.get("not_covered", [])]
        cache = dict(zip(old, previous.not_covered[embedder.name]))
    for text in texts:
        if text not in cache and (shipped := shipped_vector(seed, embedder.id, text)) is not None:
            cache[text] = shipped
    missing = [t for t in dict.fromkeys(texts) if t not in cache]
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        cache.update(zip(batch, embedder.encode_passages(batch)))
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.vstack([cache[t] for t in texts]).astype(np.float32)


def _take_seeded(embedder: Embedder, chunks: list[Chunk], cache: dict[str, np.ndarray], seed: dict) -> int:
    """Put the shipped vector of each chunk ``cache`` lacks into it (by chunk id); how many were put."""
    taken = 0
    for chunk in chunks:
        if chunk.id not in cache and (shipped := shipped_vector(seed, embedder.id, chunk.embed_text)) is not None:
            cache[chunk.id] = shipped
            taken += 1
    return taken


def _lacks_vectors(
    embedder: Embedder, chunks: list[Chunk], cache: dict[str, np.ndarray], gap_texts: list[str],
    previous: StoredIndex | None,
) -> bool:
    """Whether the previous build lacks the vector of a chunk or a not-covered question (only then is the
    shipped file read)."""
    if any(c.id not in cache for c in chunks):
        return True
    if previous is None or embedder.name not in previous.not_covered:
        return bool(gap_texts)
    known = {q["text"] for q in previous.manifest.get("not_covered", [])}
    return any(t not in known for t in gap_texts)


def save_seed(config: Config) -> list[str]:
    """Write the current index's vectors (chunks and not-covered questions) to ``config.seed_vectors``, one
    file per embedder, for the next first build anywhere to take; the paths written."""
    index = load_index(config.index)
    texts = [c.embed_text for c in index.chunks]
    questions = [q["text"] for q in index.manifest.get("not_covered", [])]
    written = []
    for entry in index.manifest["embedders"]:
        vectors = index.vectors(entry["name"])
        gaps = index.not_covered.get(entry["name"])
        if gaps is not None and len(gaps) == len(questions):
            all_texts, vectors = texts + questions, np.vstack([vectors, gaps])
        else:
            all_texts = texts
        written.append(str(write_seed(config.seed_vectors, entry["name"], entry["id"], all_texts, vectors)))
    return written


def build_index(config: Config, full: bool = False, progress: Progress | None = None) -> BuildReport:
    """Build the index for ``config.corpus`` into ``config.index``.

    The corpus is validated first; on any problem nothing is written and the
    previous index keeps serving. Only chunks whose content or question changed
    are embedded; changing the embedders or chunking forces a full rebuild.

    Args:
        config: settings (corpus, index, embedders, chunking).
        full: ignore the previous build and embed everything.
        progress: called with (fraction 0–1, message) as work advances.

    Returns:
        A BuildReport.

    Raises:
        CorpusError: the corpus has problems (each with file and line).
    """
    started = time.perf_counter()
    report_progress: Progress = progress or (lambda fraction, message: None)
    report_progress(0.0, "reading corpus")
    docs = load_corpus(config.corpus, config.max_file_bytes)
    glossary = read_glossary(config.corpus, config.max_file_bytes)
    not_covered = read_not_covered(config.corpus, config.max_file_bytes)
    if glossary.problems or not_covered.problems:  # load_corpus reported them; the file changed since
        raise CorpusError(glossary.problems + not_covered.problems)
    chunks = [c for doc in docs for c in chunk_document(doc, config.max_chunk_chars, config.overlap_chars)]
    embedders = [get_embedder(name, config) for name in config.embedders]
    with build_lock(config.index):
        try:
            previous = load_index(config.index)
        except IndexNotFound:
            previous = None
        reusable = None if full else _reusable(previous, config, embedders)
        report = BuildReport(files=len(docs), chunks=len(chunks), full=reusable is None)
        old_files = previous.manifest["files"] if previous else {}
        new_files = {doc.path: doc.sha256 for doc in docs}
        new_files.update({asked_path(doc.path): doc.asked_sha256 for doc in docs if doc.asked_sha256})
        if glossary.sha256:  # hashed with the corpus, so editing the glossary refreshes the index
            new_files[GLOSSARY_FILE] = glossary.sha256
        if not_covered.sha256:
            new_files[NOT_COVERED_FILE] = not_covered.sha256
        report.files_added = sorted(set(new_files) - set(old_files))
        report.files_removed = sorted(set(old_files) - set(new_files))
        report.files_changed = sorted(p for p in new_files if p in old_files and old_files[p] != new_files[p])

        stored_ids = {c.id for c in reusable.chunks} if reusable is not None else set()
        report.chunks_reused = sum(1 for c in chunks if c.id in stored_ids)
        report.chunks_embedded = len(chunks) - report.chunks_reused
        if reusable is not None and _unchanged(reusable, chunks, new_files):
            # Nothing to do: keep serving the current build instead of writing and fsyncing a copy of it.
            report.seconds = round(time.perf_counter() - started, 3)
            report.index_path = str(reusable.path)
            report_progress(1.0, report.summary())
            return report
        gap_texts = [q.text for q in not_covered.questions]
        caches: list[dict[str, np.ndarray]] = []
        seeds: list[dict[str, np.ndarray]] = []
        for embedder in embedders:  # each chunk's vector from the previous build, else from the shipped ones
            cache = {}
            if reusable is not None:
                cache = dict(zip((c.id for c in reusable.chunks), reusable.vectors(embedder.name)))
            seed = {}
            if not full and _lacks_vectors(embedder, chunks, cache, gap_texts, reusable):  # else skip reading it
                seed = load_seed(config.seed_vectors, embedder.name, embedder.id)
            report.chunks_seeded = max(report.chunks_seeded, _take_seeded(embedder, chunks, cache, seed))
            caches.append(cache)
            seeds.append(seed)
        report.chunks_reused += report.chunks_seeded
        report.chunks_embedded -= report.chunks_seeded
        dense, entries, gaps = [], [], []
        total = sum(sum(c.id not in cache for c in chunks) for cache in caches)
        done = [0]
        for position, embedder in enumerate(embedders):
            vectors = _embed(embedder, chunks, caches[position], report_progress, done, total)
            dense.append(make_vector_index(vectors))
            gaps.append(_embed_not_covered(embedder, gap_texts, reusable, seeds[position]))
            entries.append(
                {"name": embedder.name, "id": embedder.id, "dim": embedder.dim, "file": dense_file(position)}
            )

        report_progress(0.96, "building keyword index")
        bm25 = bm25s.BM25()
        bm25.index([tokenize(c.embed_text) or [""] for c in chunks], show_progress=False)
        report.seconds = round(time.perf_counter() - started, 3)
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedders": entries,
            "chunking": _chunking_settings(config),
            "tokenizer_version": TOKENIZER_VERSION,
            "chunk_count": len(chunks),
            "files": new_files,
            "glossary": glossary.glossary.groups,
            "not_covered": [asdict(q) for q in not_covered.questions],
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": report.seconds,
        }
        report.index_path = str(write_build(config.index, manifest, chunks, dense, bm25, gaps))
    report_progress(1.0, report.summary())
    return report
