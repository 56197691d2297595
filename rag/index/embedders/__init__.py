"""Dense embedding backends, chosen by name and loaded once per process."""

from __future__ import annotations

from functools import lru_cache

from ...config import Config
from ...errors import ConfigError
from .base import Embedder
from .sentence_transformers import PREFIX as ST_PREFIX

BACKENDS = ("use-m3", "e5-small", ST_PREFIX + "<model name or folder>", "hash")


@lru_cache(maxsize=8)
def _load(name: str, threads: int, query_prompt: str, passage_prompt: str) -> Embedder:
    if name == "use-m3":
        from .use_m3 import UseM3Embedder

        return UseM3Embedder(threads)
    if name == "e5-small":
        from .e5_small import E5SmallEmbedder

        return E5SmallEmbedder(threads)
    if name == "hash":
        from .hashing import HashingEmbedder

        return HashingEmbedder()
    if name.startswith(ST_PREFIX) and len(name) > len(ST_PREFIX):
        from .sentence_transformers import SentenceTransformersEmbedder

        return SentenceTransformersEmbedder(name[len(ST_PREFIX) :], threads, query_prompt, passage_prompt)
    raise ConfigError(f"config field 'embedders': unknown embedder {name!r}; choose from {', '.join(BACKENDS)}")


def get_embedder(name: str, config: Config) -> Embedder:
    """The embedder called ``name``, loaded once per process and configuration."""
    return _load(name, config.cpu_threads, config.st_query_prompt, config.st_passage_prompt)


__all__ = ["BACKENDS", "Embedder", "get_embedder"]
