"""``rag serve --watch``: the corpus watcher refreshes the index and survives a broken edit."""

from __future__ import annotations

import threading
import time

import pytest

from rag import AnswerFinder
from tests.helpers import wake_ups
from ui.app import watch_corpus


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def watching(hash_config):
    """The finder and its watch thread, stopped afterwards."""
    finder = AnswerFinder(hash_config)
    stop = threading.Event()
    thread = watch_corpus(finder, stop)
    time.sleep(0.5)  # let the watcher start before the first edit
    yield finder, thread
    stop.set()
    thread.join(10)


@pytest.fixture
def watched(watching):
    return watching[0]


def test_an_idle_watch_wakes_a_few_times_a_second(watching):
    """watchfiles looked for changes every 50 ms: 20 wake-ups a second with nothing changing."""
    _, thread = watching
    before = wake_ups(thread)
    time.sleep(3.0)
    assert wake_ups(thread) - before <= 15  # every 0.5 s; before: ~60


def test_an_edit_is_indexed_and_a_broken_edit_keeps_the_old_index(watched, hash_config, capfd):
    finder = watched
    err: list[str] = []

    def logged(text: str) -> bool:
        err.append(capfd.readouterr().err)
        return text in "".join(err)

    path = hash_config.corpus / "part2" / "2.7-ai-agent.md"
    before = finder.searcher
    path.write_text(path.read_text(encoding="utf-8") + "\n补充：zyxwatchword 测试。\n", encoding="utf-8")
    assert wait_for(lambda: logged("index refreshed")), "no refresh reported"
    assert finder.searcher is not before and not finder.status().stale

    serving = finder.searcher
    path.write_text("no front matter\n", encoding="utf-8")
    assert wait_for(lambda: logged("previous index keeps serving")), "no error reported"
    assert "2.7-ai-agent.md" in "".join(err)
    assert finder.searcher is serving
    assert finder.search("zyxwatchword", k=1).results[0].question_id == "2.7"
