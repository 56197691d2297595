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
