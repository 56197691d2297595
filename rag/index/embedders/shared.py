"""Query encoding for a server: a bounded cache, and concurrent queries encoded together in one call."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .base import Embedder


@dataclass
class _Waiting:
    """One caller's texts waiting for the next encode call, and what that call gave them."""

    texts: list[str]
    vectors: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class QueryStats:
    """Counters since start: cache hits and misses, encode calls and the texts they carried."""

    hits: int = 0
    misses: int = 0
    calls: int = 0
    encoded: int = 0

    def to_dict(self) -> dict:
        return {"hits": self.hits, "misses": self.misses, "encode_calls": self.calls, "texts_encoded": self.encoded}


class SharedQueries(Embedder):
    """Wraps an embedder so that many threads can ask for query vectors cheaply.

    Repeated questions come from a least-recently-used cache of ``cache_size`` vectors. Queries not
    in the cache are encoded by whichever caller finds the model idle, together with every query
    that arrived meanwhile: one call for a batch is about twice as fast per query as one call each,
    and threads no longer compete for the same cores. A lone caller is encoded at once.
    Passages go straight to the wrapped embedder.
    """

    def __init__(self, inner: Embedder, cache_size: int = 4096):
        self.inner = inner
        self.name, self.id, self.dim = inner.name, inner.id, inner.dim
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cond = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._busy = False
        self.stats = QueryStats()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self.inner._encode(texts, is_query)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        rows: list[np.ndarray | None] = [None] * len(texts)
        with self._cond:
            for i, text in enumerate(texts):
                rows[i] = self._cache.get(text)
                if rows[i] is not None:
                    self._cache.move_to_end(text)
            missing = [i for i, row in enumerate(rows) if row is None]
            self.stats.hits += len(texts) - len(missing)
            self.stats.misses += len(missing)
        if missing:
            for i, vector in zip(missing, self._encode_together([texts[i] for i in missing])):
                rows[i] = vector
        return np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32)

    def _encode_together(self, texts: list[str]) -> np.ndarray:
        """Encode ``texts`` in the next call to the model, which this thread makes if the model is idle."""
        mine = _Waiting(texts)
        with self._cond:
            self._waiting.append(mine)
            while not mine.done:
                if self._busy:
                    self._cond.wait()
                    continue
                batch, self._waiting, self._busy = self._waiting, [], True
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.vectors

    def _run(self, batch: list[_Waiting]) -> None:
        unique = list(dict.fromkeys(text for waiting in batch for text in waiting.texts))
        try:
            vectors = self.inner.encode_queries(unique)
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of this batch, who re-raises it
            for waiting in batch:
                waiting.error, waiting.done = exc, True
            return
        for vector in vectors:
            vector.flags.writeable = False
        found = dict(zip(unique, vectors))
        with self._cond:
            self.stats.calls += 1
            self.stats.encoded += len(unique)
            for text, vector in found.items():
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            for waiting in batch:
                waiting.vectors, waiting.done = np.vstack([found[t] for t in waiting.texts]), True

    def clear(self) -> None:
        """Forget every cached vector (and with it the texts they were asked for)."""
        with self._cond:
            self._cache.clear()

    def cached(self) -> int:
        """How many query vectors the cache holds."""
        return len(self._cache)


@lru_cache(maxsize=8)
def shared_queries(embedder: Embedder) -> SharedQueries:
    """The one SharedQueries per embedder in this process, so its cache survives index rebuilds."""
    return SharedQueries(embedder)
