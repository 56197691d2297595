"""Shipped vectors (vectors/<embedder>.npz): a first build takes them, a stale or foreign file costs nothing."""

from __future__ import annotations

import dataclasses

import numpy as np

from rag import build_index
from rag.index.indexer import save_seed
from rag.index.seed import load_seed, seed_file, seed_key, write_seed
from rag.index.store import load_index
from tests.conftest import REPO
from tests.helpers import write_answer


def test_written_vectors_load_back_by_text_and_embedder(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    write_seed(tmp_path, "hash", "hash-ngrams-v1", ["a", "b", "a"], vectors)
    seed = load_seed(tmp_path, "hash", "hash-ngrams-v1")
    assert set(seed) == {seed_key("hash-ngrams-v1", "a"), seed_key("hash-ngrams-v1", "b")}
    assert np.array_equal(seed[seed_key("hash-ngrams-v1", "b")], vectors[1])
    assert load_seed(tmp_path, "hash", "hash-ngrams-v2") == {}  # another version of the model: not its vectors


def test_a_missing_or_broken_file_is_ignored(tmp_path):
    assert load_seed(tmp_path, "hash", "hash-ngrams-v1") == {}
    seed_file(tmp_path, "hash").write_bytes(b"not an npz file")
    assert load_seed(tmp_path, "hash", "hash-ngrams-v1") == {}
    write_seed(tmp_path, "hash", "hash-ngrams-v1", ["a"], np.ones((1, 4), np.float32))
    whole = seed_file(tmp_path, "hash").read_bytes()
    seed_file(tmp_path, "hash").write_bytes(whole[: len(whole) // 2])  # a download or copy cut short
    assert load_seed(tmp_path, "hash", "hash-ngrams-v1") == {}


def test_a_first_build_takes_the_shipped_vectors_and_embeds_only_new_text(hash_config, tmp_path):
    seeded = dataclasses.replace(hash_config, seed_vectors=tmp_path / "vectors")
    build_index(seeded)
    save_seed(seeded)
    reference = load_index(seeded.index)
    write_answer(seeded.corpus, "9.9", "一个新问题，种子里没有？")
    elsewhere = dataclasses.replace(seeded, index=tmp_path / "fresh-index")
    report = build_index(elsewhere)
    assert report.full and 0 < report.chunks_embedded < report.chunks_seeded == report.chunks_reused
    assert report.summary().startswith("build: ") and "shipped in vectors/" in report.summary()
    fresh = load_index(elsewhere.index)
    seed = load_seed(seeded.seed_vectors, "hash", "hash-ngrams-v1")
    embedded = [c for c in fresh.chunks if seed_key("hash-ngrams-v1", c.embed_text) not in seed]
    assert len(embedded) == report.chunks_embedded and {c.question_id for c in embedded} == {"9.9"}
    old = dict(zip((c.id for c in reference.chunks), reference.vectors("hash")))
    taken = [(c.id, v) for c, v in zip(fresh.chunks, fresh.vectors("hash")) if c.id in old]
    assert taken and all(np.array_equal(old[i], v) for i, v in taken)
    assert np.array_equal(fresh.not_covered["hash"], reference.not_covered["hash"])


def test_a_full_rebuild_embeds_everything_whatever_is_shipped(hash_config, tmp_path):
    seeded = dataclasses.replace(hash_config, seed_vectors=tmp_path / "vectors")
    build_index(seeded)
    save_seed(seeded)
    report = build_index(dataclasses.replace(seeded, index=tmp_path / "other"), full=True)
    assert report.chunks_seeded == 0 and report.chunks_embedded == report.chunks
    assert report.summary().startswith("full rebuild: ")


def test_the_shipped_vectors_cover_the_bank_as_committed(real_index):
    """vectors/ is refreshed with `rag index --save-seed` when the bank changes: a clone's first build of this
    corpus then embeds nothing (the real index of the test session was built from it)."""
    index = load_index(real_index.index)
    embedder = index.manifest["embedders"][0]
    seed = load_seed(REPO / "vectors", embedder["name"], embedder["id"])
    missing = [c.id for c in index.chunks if seed_key(embedder["id"], c.embed_text) not in seed]
    assert len(missing) <= len(index.chunks) // 20, f"{len(missing)} chunks lack a vector: rag index --save-seed"


class CountingEmbedder:
    """The hash embedder, counting the sentences it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.id, self.dim = inner, inner.name, inner.id, inner.dim
        self.embedded: list[str] = []

    def encode_queries(self, texts):
        self.embedded += list(texts)
        return self.inner.encode_queries(texts)


def test_practice_takes_shipped_sentence_vectors_and_embeds_only_new_ones(hash_config, tmp_path):
    from rag.index.embedders import get_embedder
    from rag.practice.vectors import SentenceVectors

    hashing = get_embedder("hash", hash_config)
    first = SentenceVectors(CountingEmbedder(hashing), tmp_path / "cache-a", tmp_path / "vectors")
    before = first.passages(["一句参考答案。", "另一句。"])
    first.save_seed()
    counting = CountingEmbedder(hashing)
    fresh = SentenceVectors(counting, tmp_path / "cache-b", tmp_path / "vectors")  # a new clone: empty data dir
    after = fresh.passages(["一句参考答案。", "另一句。", "新写的一句。"])
    assert counting.embedded == ["新写的一句。"] and np.array_equal(after[:2], before)


def test_the_shipped_sentence_vectors_cover_practice_on_the_bank(real_index, tmp_path):
    from rag.practice.bank import PracticeBank
    from rag.practice.vectors import SHIPPED_NAME_SUFFIX

    scorer = PracticeBank(real_index, tmp_path / "data").scorer()  # an empty data dir, as on a fresh clone
    embedder = scorer.vectors.embedder
    seed = load_seed(REPO / "vectors", embedder.name + SHIPPED_NAME_SUFFIX, embedder.id)
    texts = scorer.vectors.references_seen()
    missing = [t for t in texts if seed_key(embedder.id, t) not in seed]
    assert texts and len(missing) <= len(texts) // 20, f"{len(missing)} sentences lack a vector: rag index --save-seed"
