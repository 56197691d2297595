"""The bank as practice sees it: every question's reference, re-read when the corpus changes, and the scorer.

One ``PracticeBank`` is shared by every history a server keeps (one per browser on a shared server):
the corpus is read and the reference sentences embedded once, whoever practises.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..bank.corpus import corpus_hashes, load_corpus
from ..config import Config
from ..errors import CorpusError
from ..index.embedders import get_embedder
from ..index.store import read_manifest
from .keypoints import Reference, reference_of
from .scoring import Scorer, Thresholds
from .vectors import SentenceVectors

log = logging.getLogger(__name__)
VECTOR_FOLDER = "practice-vectors"


def practice_embedder_name(config: Config) -> str:
    """The embedder practice scores with: the index's first one if an index exists, else the configured one."""
    manifest = read_manifest(config.index)
    if manifest and manifest.get("embedders"):
        return manifest["embedders"][0]["name"]
    return config.embedders[0]


class PracticeBank:
    """References, follow-up questions and the scorer over one corpus (thread-safe)."""

    def __init__(self, config: Config, data_dir: Path):
        self.config = config
        self.data_dir = data_dir
        self.thresholds = Thresholds(config.practice_partly_threshold, config.practice_covered_threshold)
        self._lock = threading.Lock()  # the corpus read; never held while embedding
        self._scorer_lock = threading.Lock()
        self._hashes: dict[str, str] = {}
        self._references: dict[str, Reference] = {}
        self._follow_ups: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
        self._scorer: Scorer | None = None
        self._failed: tuple[dict[str, str], CorpusError] | None = None  # the corpus as it failed, and why
        self._warned = False
        try:
            self._reload()
        except CorpusError as exc:  # practice starts anyway and recovers when the corpus is fixed
            log.warning("practice has no bank yet: %s", exc)

    def _reload(self) -> None:
        """Read the corpus again if any file changed since it was last read (or last failed to read).

        Raises:
            CorpusError: the corpus is invalid now (the bank as last read stays in ``_references``).
        """
        hashes = corpus_hashes(self.config.corpus, self.config.max_file_bytes)
        if hashes == self._hashes:
            return
        if self._failed is not None and self._failed[0] == hashes:
            raise self._failed[1]
        try:
            docs = load_corpus(self.config.corpus, self.config.max_file_bytes)
        except CorpusError as exc:
            self._failed, self._warned = (hashes, exc), False
            raise
        self._references = {doc.id: reference_of(doc) for doc in docs}
        self._follow_ups = {doc.id: doc.section_questions for doc in docs}
        self._hashes, self._failed = hashes, None
        self._scorer = None

    def references(self) -> dict[str, Reference]:
        """Every bank question's reference, in bank order (re-read when the corpus changed).

        When an edit breaks the corpus, practice goes on with the bank as last read (as search goes on
        with the previous index) and logs the problem once; it recovers when the corpus is fixed.

        Raises:
            CorpusError: the corpus is invalid and was never read successfully.
        """
        with self._lock:
            try:
                self._reload()
            except CorpusError as exc:
                if not self._references:
                    raise
                if not self._warned:  # once per broken state
                    log.warning("practice keeps the bank as last read: %s", exc)
                    self._warned = True
            return self._references

    def scorer(self) -> Scorer:
        """The scorer, built on first use (embeds the reference sentences not cached yet).

        Only scoring waits for it: picking, showing and listing questions do not.
        """
        references = self.references()
        with self._scorer_lock:
            if self._scorer is None or self._scorer.references is not references:
                embedder = get_embedder(practice_embedder_name(self.config), self.config)
                vectors = SentenceVectors(embedder, self.data_dir / VECTOR_FOLDER, self.config.seed_vectors)
                self._scorer = Scorer(references, vectors, self.thresholds)
            return self._scorer

    def save_seed(self) -> Path:
        """Write the bank's reference-sentence vectors to the shipped folder (``rag index --save-seed``)."""
        return self.scorer().vectors.save_seed()


    def follow_ups(self, question_id: str) -> list[tuple[tuple[str, str], str]]:
        """The interviewer-style questions one bank answer's sections answer: ((id, key point), question)."""
        self.references()
        return [((question_id, title), q) for title, questions in self._follow_ups.get(question_id, ())
                for q in questions]

    def forget_answers(self) -> None:
        """Drop answer sentences cached in memory (``Delete my history``)."""
        if self._scorer is not None:
            self._scorer.vectors.forget_answers()
