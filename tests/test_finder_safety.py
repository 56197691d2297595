"""The long-lived finder under abuse and races (probe M1, L2, L4, L5, L11)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from rag import AnswerFinder, CorpusError, build_index
from rag.index.store import BUILDS
from tests.helpers import write_answer


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_rebuild_while_one_runs_is_refused_at_once(hash_config, held_build):
    entered, release = held_build
    finder = AnswerFinder(hash_config)
    first = threading.Thread(target=finder.rebuild)
    first.start()
    assert entered.wait(30)
    outcomes: list[BaseException | None] = []

    def second() -> None:
        try:
            finder.rebuild(full=True)
            outcomes.append(None)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcomes.append(exc)

    callers = [threading.Thread(target=second) for _ in range(20)]
    started = time.monotonic()
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(5)
    assert not any(c.is_alive() for c in callers), "a second rebuild waited for the first one"
    assert time.monotonic() - started < 5
    assert [type(o).__name__ for o in outcomes] == ["RebuildRunning"] * 20
    assert "already running" in str(outcomes[0])
    assert finder.search("微调", k=1).results  # searches are not held up either
    release.set()
    first.join(60)
    assert finder.rebuild() is not None  # and a rebuild works again afterwards


def test_a_rebuild_with_nothing_changed_writes_no_new_build(hash_config):
    first = build_index(hash_config)
    second = build_index(hash_config)
    assert second.index_path == first.index_path
    assert second.chunks_embedded == 0 and second.chunks_reused == second.chunks
    assert len([p for p in (hash_config.index / BUILDS).iterdir() if not p.name.startswith(".")]) == 1
    assert build_index(hash_config, full=True).index_path != first.index_path


def test_status_describes_the_served_index_and_a_newer_build_is_picked_up(hash_config, monkeypatch):
    monkeypatch.setattr(AnswerFinder, "RELOAD_CHECK_SECONDS", 0.0)
    finder = AnswerFinder(hash_config)
    served = len(finder.searcher.chunks)
    write_answer(hash_config.corpus, "9.1", "关于独角兽养殖的问题")
    build_index(hash_config)  # as `rag index` in another shell, or a second server on the same index
    status = finder.status()
    assert status.chunk_count == served and status.stale and "9.1-test.md" in status.changed_files
    assert wait_for(lambda: "9.1" in finder.search("独角兽养殖", k=3).question_ids)
    assert len(finder.searcher.chunks) > served and not finder.status().stale


def test_the_full_answer_cache_is_bounded(hash_config):
    finder = AnswerFinder(hash_config)
    path = hash_config.corpus / "part2" / "2.4-fine-tuning.md"
    text = path.read_text(encoding="utf-8")
    for i in range(60):
        path.write_text(text + "\n补充" * (i + 1) + "\n", encoding="utf-8")
        assert finder.full_answer("2.4").body.count("补充") == i + 1
    assert len(finder._answers) <= 1


def test_a_full_answer_whose_file_vanishes_mid_read_is_unavailable(hash_config, monkeypatch):
    finder = AnswerFinder(hash_config)
    (hash_config.corpus / "part2" / "2.5-hallucination.md").unlink()
    monkeypatch.setattr(Path, "is_file", lambda self: True)  # it was there when checked
    assert finder.full_answer("2.5") is None


def test_a_full_answer_never_follows_a_link_out_of_the_corpus(hash_config, tmp_path):
    finder = AnswerFinder(hash_config)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = write_answer(outside, "2.5", "stolen", body="# q\n\n## 参考答案\n\nSECRET-OUTSIDE\n")
    path = hash_config.corpus / "part2" / "2.5-hallucination.md"
    path.unlink()
    path.symlink_to(secret)
    assert finder.full_answer("2.5") is None


def test_replacing_a_file_in_a_loop_never_breaks_searches_status_or_rebuilds(hash_config):
    finder = AnswerFinder(hash_config)
    path = hash_config.corpus / "part3" / "3.3-model-choice.md"
    data = path.read_bytes()
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            path.unlink(missing_ok=True)
            path.write_bytes(data[: len(data) // 2])  # half-written
            path.write_bytes(data)

    writer = threading.Thread(target=churn)
    writer.start()
    unexpected: list[BaseException] = []
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                finder.search("模型选型", k=3)
                finder.full_answer("3.3")
                finder.status()
                finder.rebuild()
            except CorpusError:
                pass  # the half-written or missing file: reported as a corpus problem, old index serves
            except BaseException as exc:  # noqa: BLE001 - anything else is the bug
                unexpected.append(exc)
    finally:
        stop.set()
        writer.join()
    os.sync()
    assert unexpected == []
