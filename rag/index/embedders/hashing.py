"""A model-free embedder: hashed character n-grams. Deterministic and instant, for tests and smoke runs."""

from __future__ import annotations

import zlib

import numpy as np

from .base import Embedder


class HashingEmbedder(Embedder):
    """Bag of hashed character uni- and bi-grams; matches shared characters, not meaning."""

    name = "hash"
    id = "hash-ngrams-v1"
    dim = 256

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            text = text.lower()
            for n in (1, 2):
                for i in range(len(text) - n + 1):
                    gram = text[i : i + n]
                    if gram.strip():
                        out[row, zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        return out
