"""Index builds: save/load round trip, incremental refresh, validation before building, atomic swap."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rag import CorpusError, IndexNotFound, build_index, index_status, open_searcher
from rag.bank.corpus import corpus_hashes
from rag.index.store import current_build, load_index
from tests.conftest import REPO
from tests.helpers import hash_cli_options, write_answer


def test_round_trip_keeps_chunks_vectors_and_manifest(hash_config):
    report = build_index(hash_config)
    stored = load_index(hash_config.index)
    assert report.full and report.chunks == len(stored.chunks) == stored.manifest["chunk_count"]
    assert stored.manifest["embedders"][0]["id"] == "hash-ngrams-v1"
    assert set(stored.manifest["files"]) == set(corpus_hashes(hash_config.corpus))  # answers, sidecars, data files
    assert "glossary.yaml" in stored.manifest["files"] and "not-covered.yaml" in stored.manifest["files"]
    vectors = stored.vectors("hash")
    assert vectors.shape == (len(stored.chunks), 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not list(current_build(hash_config.index).rglob("*.pkl"))


def test_unchanged_corpus_embeds_nothing(hash_config):
    build_index(hash_config)
    again = build_index(hash_config)
    assert not again.full and again.chunks_embedded == 0 and again.chunks_reused == again.chunks
    assert again.files_added == again.files_changed == again.files_removed == []


def test_editing_one_section_embeds_only_that_chunk(hash_config):
    build_index(hash_config)
    path = hash_config.corpus / "part2" / "2.5-hallucination.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## 参考答案", "## 参考答案\n\n新增的一段说明文字。", 1), encoding="utf-8")
    report = build_index(hash_config)
    assert report.files_changed == ["part2/2.5-hallucination.md"]
    assert report.chunks_embedded == 1 and report.chunks_reused == report.chunks - 1


def test_added_and_removed_files_are_reported_and_stale_chunks_dropped(hash_config):
    build_index(hash_config)
    (hash_config.corpus / "part3" / "3.5-evaluation-metrics.md").unlink()
    (hash_config.corpus / "part3" / "3.5-evaluation-metrics.asked.yaml").unlink()
    write_answer(hash_config.corpus, "9.1", "全新的问题")
    report = build_index(hash_config)
    assert report.files_removed == ["part3/3.5-evaluation-metrics.asked.yaml", "part3/3.5-evaluation-metrics.md"]
    assert report.files_added == ["9.1-test.md"]
    ids = {c.question_id for c in load_index(hash_config.index).chunks}
    assert "3.5" not in ids and "9.1" in ids


def test_changing_chunking_forces_full_rebuild(hash_config):
    build_index(hash_config)
    report = build_index(dataclasses.replace(hash_config, max_chunk_chars=300))
    assert report.full and report.chunks_reused == 0


def test_full_flag_embeds_everything(hash_config):
    build_index(hash_config)
    report = build_index(hash_config, full=True)
    assert report.full and report.chunks_embedded == report.chunks


def test_bad_corpus_builds_nothing_and_keeps_previous_index(hash_config):
    build_index(hash_config)
    before = current_build(hash_config.index)
    write_answer(hash_config.corpus, "1.1", "重复的编号")  # duplicate id
    (hash_config.corpus / "broken.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        build_index(hash_config)
    assert len(info.value.problems) == 2
    assert current_build(hash_config.index) == before
    searcher = open_searcher(hash_config)  # stale and invalid: the old index still answers
    assert searcher.search("幻觉").results


def test_status_reports_staleness(hash_config):
    assert not index_status(hash_config).exists
    build_index(hash_config)
    assert not index_status(hash_config).stale
    path = hash_config.corpus / "part1" / "1.1-understanding-aigc.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    status = index_status(hash_config)
    assert status.stale and status.changed_files == ["part1/1.1-understanding-aigc.md"]


def test_no_index_raises_index_not_found(hash_config):
    with pytest.raises(IndexNotFound):
        open_searcher(hash_config, refresh=False)


def test_sigkill_during_rebuild_always_leaves_a_loadable_index(hash_config):
    """Kill `rag index --full` at random moments; the index must load and answer every time."""
    for n, source in enumerate(sorted(hash_config.corpus.rglob("*.md")) * 4):  # a bigger corpus: a longer build
        text = source.read_text(encoding="utf-8").replace('id: "', f'id: "9{n}', 1)
        (hash_config.corpus / f"copy-{n}.md").write_text(text, encoding="utf-8")
    build_index(hash_config)
    command = [sys.executable, "-m", "rag", *hash_cli_options(hash_config)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(7)
    for _ in range(12):
        proc = subprocess.Popen(
            [*command, "index", "--full"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.4, 1.4))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        stored = load_index(hash_config.index)
        assert stored.manifest["chunk_count"] == len(stored.chunks) > 0
        assert open_searcher(hash_config, refresh=False).search("微调").results
    leftovers = [p.name for p in (hash_config.index / "builds").iterdir()]
    build_index(hash_config)  # the next build clears interrupted leftovers
    assert len(list((hash_config.index / "builds").iterdir())) <= 2, leftovers


def test_the_part_filter_follows_the_bank(hash_config):
    write_answer(hash_config.corpus, "9.1", "第九部分的问题")  # a part the article never had
    build_index(hash_config)
    searcher = open_searcher(hash_config, refresh=False)
    assert searcher.parts == tuple(sorted({c.part for c in searcher.chunks})) and 9 in searcher.parts
    assert {r.question_id for r in searcher.search("第九部分的问题", k=3, part=9).results} == {"9.1"}
    with pytest.raises(ValueError, match=r"the bank's parts \(1, 2, 3, .*9\), got 7"):
        searcher.search("幻觉", part=7)
    with pytest.raises(ValueError, match="got True"):
        searcher.search("幻觉", part=True)  # a bool is not part 1
