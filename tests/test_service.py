"""The long-lived finder: stale detection, refresh before answering, searches during rebuilds."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

from rag import AnswerFinder, CorpusError, build_index, index_status
from rag.index.store import current_build
from rag.text.tokenize import TOKENIZER_VERSION
from tests.helpers import write_answer


def test_finder_refreshes_a_stale_index_on_start(hash_config):
    build_index(hash_config)
    write_answer(hash_config.corpus, "9.1", "关于独角兽养殖的问题")
    assert index_status(hash_config).stale
    finder = AnswerFinder(hash_config)
    assert not finder.status().stale
    assert "9.1" in finder.search("独角兽养殖", k=3).question_ids


def test_searches_during_rebuilds_never_fail(hash_config):
    finder = AnswerFinder(hash_config)
    errors: list[BaseException] = []
    stop = threading.Event()

    def rebuild_loop() -> None:
        try:
            while not stop.is_set():
                finder.rebuild(full=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    rebuilder = threading.Thread(target=rebuild_loop)
    rebuilder.start()
    try:
        answered = [finder.search("大模型的幻觉怎么避免", k=3) for _ in range(300)]
    finally:
        stop.set()
        rebuilder.join()
    assert not errors
    assert all(r.results and r.results[0].question_id == answered[0].results[0].question_id for r in answered)


def test_failed_rebuild_keeps_serving_the_old_index(hash_config):
    finder = AnswerFinder(hash_config)
    before = finder.search("微调", k=3).question_ids
    (hash_config.corpus / "broken.md").write_text("---\nid: 1\n---\n", encoding="utf-8")
    try:
        finder.rebuild()
        raise AssertionError("rebuild should fail on a broken corpus")
    except CorpusError as exc:
        assert "broken.md" in str(exc)
    assert finder.search("微调", k=3).question_ids == before
    assert finder.status().stale


def test_refresh_if_stale_only_when_needed(hash_config):
    finder = AnswerFinder(hash_config)
    assert finder.refresh_if_stale() is None
    path = hash_config.corpus / "part2" / "2.4-fine-tuning.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充：新的一段。\n", encoding="utf-8")
    report = finder.refresh_if_stale()
    assert report is not None and report.files_changed == ["part2/2.4-fine-tuning.md"]


def test_index_built_with_another_keyword_tokenizer_is_refreshed_without_re_embedding(hash_config):
    build_index(hash_config)
    manifest_path = current_build(hash_config.index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tokenizer_version"] = TOKENIZER_VERSION - 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert index_status(hash_config).stale
    report = build_index(hash_config)
    assert report.chunks_embedded == 0 and report.chunks_reused == report.chunks
    assert not index_status(hash_config).stale


def test_changed_chunking_settings_make_the_index_stale(hash_config):
    build_index(hash_config)
    assert not index_status(hash_config).stale
    assert index_status(replace(hash_config, max_chunk_chars=hash_config.max_chunk_chars + 100)).stale
