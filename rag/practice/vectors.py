"""Sentence vectors of the reference answers, embedded once and kept in the data folder.

Embedding the bank's ~600 reference sentences takes e5-small 10–40 s on two cores; the vectors are
saved per embedder (``<data_dir>/practice-vectors/<embedder id>.npz``, no pickle) and only sentences
not seen before are embedded on later runs; on a fresh clone they come from the vectors shipped in
``vectors/<embedder>-sentences.npz`` (``rag index --save-seed``, see ``rag.index.seed``; practice embeds
in query mode, so not the index's file). A damaged cache file is ignored and rewritten. Answer
sentences go through the process's shared query cache (kept in memory only), so a sentence embedded
while the answer was being typed, or in an earlier attempt, is not embedded again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..index.embedders import Embedder
from ..index.embedders.shared import shared_queries
from ..index.seed import load_seed, shipped_vector, write_npz, write_seed

log = logging.getLogger(__name__)
SHIPPED_NAME_SUFFIX = "-sentences"  # after the embedder's name: practice embeds sentences as queries, not passages


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class SentenceVectors:
    """A thread-safe map from sentence to vector for one embedder, saved in ``folder`` when given."""

    def __init__(self, embedder: Embedder, folder: Path | None, seed_folder: Path | None = None):
        self.embedder = embedder
        self._seed_folder = seed_folder
        self._seen: dict[str, str] = {}  # key -> text of every reference sentence asked for (for save_seed)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", embedder.id)
        self.file = folder / f"{name}.npz" if folder is not None else None
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        if self.file is None or not self.file.is_file():
            return
        try:
            with np.load(self.file, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape[1] != self.embedder.dim or len(keys) != len(vectors):
                raise ValueError(f"shape {vectors.shape} does not fit embedder {self.embedder.id}")
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("ignoring the damaged practice vector cache %s (%s); it is rebuilt", self.file, exc)
            return
        self._vectors = {str(k): v for k, v in zip(keys, vectors)}

    def _save(self) -> None:
        """Write the cache beside itself and swap it in, so a crash never leaves half a file."""
        if self.file is None:
            return
        try:
            keys = np.array(list(self._vectors), dtype="<U24")
            write_npz(self.file, keys=keys, vectors=np.stack(list(self._vectors.values())).astype(np.float32))
        except OSError as exc:  # a cache that cannot be written only costs time
            log.warning("could not save the practice vector cache %s: %s", self.file, exc)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of reference sentences, embedding (and saving) only the ones not cached yet."""
        with self._lock:
            self._seen.update((_key(t), t) for t in texts)
            missing = list(dict.fromkeys(t for t in texts if _key(t) not in self._vectors))
            if missing:
                shipped = self._shipped()
                for text in missing:
                    if (found := shipped_vector(shipped, self.embedder.id, text)) is not None:
                        self._vectors[_key(text)] = found
                embed = [t for t in missing if _key(t) not in self._vectors]
                for text, vector in zip(embed, self.embedder.encode_queries(embed) if embed else []):
                    self._vectors[_key(text)] = vector
                self._save()
            if not texts:
                return np.zeros((0, self.embedder.dim), dtype=np.float32)
            return np.stack([self._vectors[_key(t)] for t in texts])

    @property
    def _shipped_name(self) -> str:
        """The shipped file's name (before ``.npz``): its own, apart from the index's passage vectors."""
        return self.embedder.name + SHIPPED_NAME_SUFFIX

    def _shipped(self) -> dict[str, np.ndarray]:
        if self._seed_folder is None:
            return {}
        return load_seed(self._seed_folder, self._shipped_name, self.embedder.id)

    def references_seen(self) -> list[str]:
        """Every reference sentence asked for so far (what ``save_seed`` writes)."""
        with self._lock:
            return list(self._seen.values())

    def save_seed(self) -> Path:
        """Write the vectors of every reference sentence asked for so far to the shipped folder."""
        if self._seed_folder is None:
            raise ValueError("no folder for shipped vectors")
        texts = self.references_seen()
        with self._lock:
            vectors = np.stack([self._vectors[_key(t)] for t in texts]) if texts else np.zeros((0, self.embedder.dim))
        return write_seed(self._seed_folder, self._shipped_name, self.embedder.id, texts, vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of answer sentences, in one call for those not in the shared query cache.

        Both sides use the query mode: matching is symmetric.
        """
        return shared_queries(self.embedder).encode_queries(list(texts))

    def forget_answers(self) -> None:
        """Drop answer sentences from the in-memory cache (with them, search queries embedded meanwhile)."""
        shared_queries(self.embedder).clear()
