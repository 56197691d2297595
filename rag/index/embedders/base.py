"""The embedder interface every dense backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors, queries and passages separately.

    Attributes:
        name: the name used in the configuration (``use-m3``, ``e5-small`` …).
        id: a stable id of model and version; vectors with different ids never mix.
        dim: vector dimension.
    """

    name: str
    id: str
    dim: int

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Encode a non-empty batch; return an (n, dim) array."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries, shape (len(texts), dim)."""
        return self._finish(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for indexed passages, shape (len(texts), dim)."""
        return self._finish(texts, False)

    def _finish(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._encode(list(texts), is_query), dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
