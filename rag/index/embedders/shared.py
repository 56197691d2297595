"""Query encoding for a server: a bounded cache, concurrent queries encoded together, callers served in turn."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .base import Embedder

SLICE_CHARS = 600  # characters of one caller's texts per model call (at least one text): about one long question
BATCH_CHARS = 4000  # characters per model call, all callers together (callers left out go first next time)


@dataclass(eq=False)  # compared by identity: one caller is one entry in the line
class _Waiting:
    """One caller's texts: those not yet sent to the model, and the vectors found for them so far."""

    pending: deque[str]
    wanted: int
    found: dict[str, np.ndarray] = field(default_factory=dict)
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.error is not None or len(self.found) == self.wanted


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
    """Wraps an embedder so that many threads can ask for query vectors cheaply and fairly.

    Repeated questions come from a least-recently-used cache of ``cache_size`` vectors. Queries not
    in the cache are encoded by whichever caller finds the model idle, together with every query
    that arrived meanwhile: one call for a batch is cheaper per query than one call each, and
    threads no longer compete for the same cores. A lone caller is encoded at once.

    Callers are served in turn (probe N2: one request of 64 long questions made every other search
    wait 17-19 s): each model call takes at most ``slice_chars`` characters (at least one text) from
    each waiting caller, at most ``batch_chars`` in all, and a caller with texts left goes to the back
    of the line. A large batch is thus encoded in slices with everyone else's queries in between.
    Passages go straight to the wrapped embedder.
    """

    def __init__(
        self, inner: Embedder, cache_size: int = 4096, slice_chars: int = SLICE_CHARS, batch_chars: int = BATCH_CHARS
    ):
        self.inner = inner
        self.name, self.id, self.dim = inner.name, inner.id, inner.dim
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._slice_chars, self._batch_chars = slice_chars, batch_chars
        self._cond = threading.Condition()
        self._line: deque[_Waiting] = deque()  # callers with texts not yet sent to the model, next first
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
            found = self._encode_in_turn(list(dict.fromkeys(texts[i] for i in missing)))
            for i in missing:
                rows[i] = found[texts[i]]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32)

    def _encode_in_turn(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors of ``texts`` (distinct), from model calls this thread makes whenever the model is idle."""
        mine = _Waiting(deque(texts), len(texts))
        with self._cond:
            self._line.append(mine)
            while not mine.done:
                if self._busy or not self._line:
                    self._cond.wait()
                    continue
                batch, self._busy = self._next_batch(), True
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.found

    def _next_batch(self) -> list[tuple[_Waiting, list[str]]]:
        """Each caller's next slice, first in line first, until the batch is full (called holding the lock)."""
        batch: list[tuple[_Waiting, list[str]]] = []
        size, served = 0, 0
        for waiting in list(self._line):
            if batch and size >= self._batch_chars:
                break
            taken: list[str] = []
            share = 0
            while waiting.pending and (not taken or share + len(waiting.pending[0]) <= self._slice_chars):
                text = waiting.pending.popleft()
                taken.append(text)
                share += len(text)
            batch.append((waiting, taken))
            size += share
            served += 1
        for _ in range(served):  # those served leave the front; any with texts left go to the back
            waiting = self._line.popleft()
            if waiting.pending:
                self._line.append(waiting)
        return batch

    def _run(self, batch: list[tuple[_Waiting, list[str]]]) -> None:
        unique = list(dict.fromkeys(text for _, texts in batch for text in texts))
        try:
            vectors = self.inner.encode_queries(unique)
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of this batch, who re-raises it
            with self._cond:
                for waiting, _ in batch:
                    waiting.error = exc
                    if waiting in self._line:
                        self._line.remove(waiting)
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
            for waiting, texts in batch:
                waiting.found.update((text, found[text]) for text in texts)

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
