"""Any sentence-transformers model, by name or local folder (imports torch only when chosen)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...errors import EmbedderError
from .base import Embedder

PREFIX = "sentence-transformers:"


class SentenceTransformersEmbedder(Embedder):
    """A sentence-transformers model; query and passage prompts are configurable.

    The model is loaded offline (``HF_HUB_OFFLINE=1``): give a local folder, or the
    name of a model already in the local cache.
    """

    def __init__(self, model: str, threads: int, query_prompt: str = "", passage_prompt: str = ""):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "the sentence-transformers backend needs 'torch' and 'sentence-transformers' "
                "(pip install 'torch==2.13.0' sentence-transformers)"
            ) from exc
        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except OSError as exc:
            raise EmbedderError(f"cannot load sentence-transformers model {model!r} offline: {exc}") from exc
        self._query_prompt = query_prompt
        self._passage_prompt = passage_prompt
        self.name = PREFIX + model
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        label = Path(model).name if Path(model).exists() else model
        self.id = f"st:{label}:{self.dim}:{query_prompt!r}:{passage_prompt!r}"

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        prompt = self._query_prompt if is_query else self._passage_prompt
        return self._model.encode([prompt + t for t in texts], batch_size=32, convert_to_numpy=True)
