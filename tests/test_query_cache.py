"""The server's query encoder: cached vectors, one model call for concurrent queries, bounded memory."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rag import AnswerFinder, open_searcher
from rag.index.embedders.hashing import HashingEmbedder
from rag.index.embedders.shared import SharedQueries


class CountingEmbedder(HashingEmbedder):
    """The hash embedder, slowed down and counting how often and with what it is called."""

    def __init__(self, delay: float = 0.0, fail: bool = False):
        self.calls: list[list[str]] = []
        self.delay, self.fail = delay, fail

    def _encode(self, texts, is_query):
        self.calls.append(list(texts))
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("model broke")
        return super()._encode(texts, is_query)


def test_vectors_equal_the_plain_embedder_and_repeats_skip_the_model():
    inner = CountingEmbedder()
    shared = SharedQueries(inner)
    texts = ["what is lora", "大模型幻觉", "what is lora"]
    assert np.allclose(shared.encode_queries(texts), HashingEmbedder().encode_queries(texts))
    assert inner.calls == [["what is lora", "大模型幻觉"]]
    shared.encode_queries(["大模型幻觉"])
    assert len(inner.calls) == 1 and shared.stats.hits == 1


def test_the_cache_is_bounded():
    shared = SharedQueries(CountingEmbedder(), cache_size=3)
    for i in range(10):
        shared.encode_queries([f"question {i}"])
    assert shared.cached() == 3


def test_concurrent_queries_share_model_calls():
    inner = CountingEmbedder(delay=0.05)
    shared = SharedQueries(inner)
    results: dict[int, np.ndarray] = {}
    threads = [threading.Thread(target=lambda n=n: results.update({n: shared.encode_queries([f"q{n}"])}))
               for n in range(16)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(inner.calls) < 8, inner.calls
    for n, vector in results.items():
        assert np.allclose(vector, HashingEmbedder().encode_queries([f"q{n}"]))


def test_a_model_error_reaches_every_caller_and_is_not_cached():
    shared = SharedQueries(CountingEmbedder(fail=True))
    with pytest.raises(RuntimeError, match="model broke"):
        shared.encode_queries(["x"])
    assert shared.cached() == 0


def test_the_finder_answers_through_the_shared_encoder_with_the_same_results(hash_config):
    finder = AnswerFinder(hash_config)
    plain = open_searcher(hash_config, refresh=False)
    assert all(isinstance(e, SharedQueries) for e in finder.searcher.embedders)
    for query in ["大模型的幻觉怎么避免", "what is LoRA", "大模型的幻觉怎么避免"]:
        assert finder.search(query, k=5).to_dict() == plain.search(query, k=5).to_dict()


class GatedEmbedder(CountingEmbedder):
    """Its first model call waits until the test lets it go, so others can line up behind it."""

    def __init__(self):
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def _encode(self, texts, is_query):
        if not self.calls:
            self.entered.set()
            self.release.wait(30)
        return super()._encode(texts, is_query)


def _start(target) -> threading.Thread:
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def _lined_up(shared: SharedQueries, misses: int) -> None:
    """Wait until ``misses`` texts have been asked for (the callers are then in line or about to be)."""
    for _ in range(3000):
        if shared.stats.misses >= misses:
            break
        time.sleep(0.01)
    time.sleep(0.1)


def test_a_large_batch_is_encoded_in_slices_with_other_callers_in_between():
    """Probe N2: one request of 64 questions of 500 characters made every other search wait 17-19 s."""
    inner = GatedEmbedder()
    shared = SharedQueries(inner)
    big = [f"{n:02d} " + "长问题" * 166 for n in range(64)]
    results: dict[str, np.ndarray] = {}
    hog = _start(lambda: results.update(big=shared.encode_queries(big)))
    assert inner.entered.wait(30)
    small = _start(lambda: results.update(small=shared.encode_queries(["what is lora"])))
    _lined_up(shared, 65)
    inner.release.set()
    hog.join(60)
    small.join(60)
    small_call = next(i for i, call in enumerate(inner.calls) if "what is lora" in call)
    last_big_call = max(i for i, call in enumerate(inner.calls) if set(call) & set(big))
    assert small_call < len(inner.calls) - 1, "the short query waited for the whole large batch"
    assert small_call <= 1 < last_big_call, [len(c) for c in inner.calls]
    assert max(sum(map(len, call)) for call in inner.calls) <= 600 + len("what is lora")
    assert np.allclose(results["big"], HashingEmbedder().encode_queries(big))
    assert np.allclose(results["small"], HashingEmbedder().encode_queries(["what is lora"]))


def test_waiting_callers_take_turns():
    """Two large batches and a short query: each model call serves every caller in line once."""
    inner = GatedEmbedder()
    shared = SharedQueries(inner, slice_chars=10, batch_chars=1000)
    first, second = [f"a{n:09d}" for n in range(6)], [f"b{n:09d}" for n in range(6)]
    done: list[str] = []
    threads = [_start(lambda: (shared.encode_queries(["warm"]), done.append("warm")))]
    assert inner.entered.wait(30)
    threads += [_start(lambda: (shared.encode_queries(first + first[:2]), done.append("a")))]
    _lined_up(shared, 7)
    threads += [_start(lambda: (shared.encode_queries(second), done.append("b")))]
    _lined_up(shared, 13)
    threads += [_start(lambda: (shared.encode_queries(["c"]), done.append("c")))]
    _lined_up(shared, 14)
    inner.release.set()
    for thread in threads:
        thread.join(60)
    assert inner.calls[1] == ["a000000000", "b000000000", "c"]
    assert all(len(call) == 2 for call in inner.calls[2:]), inner.calls
    assert done[:2] == ["warm", "c"] and set(done[2:]) == {"a", "b"}
    assert shared.stats.encoded == 1 + 6 + 6 + 1  # repeats within a request are encoded once
