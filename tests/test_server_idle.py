"""An idle server sleeps (issue 18: 1.7, then 0.9 CPU-seconds a minute with nobody connected), yet answers,
reports progress and stops at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

import ui.idle
from rag import AnswerFinder
from tests.conftest import REPO, REPO_CORPUS, free_port
from tests.helpers import queue_call, wake_ups
from ui.app import build_app, launch

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


@pytest.fixture
def server(hash_config):
    demo = launch(build_app(AnswerFinder(hash_config)), "127.0.0.1", free_port(), block=False)
    yield demo
    demo.close()


def test_an_idle_server_wakes_about_once_a_second(server):
    """Gradio's queue loops (every 20 and 100 ms) and uvicorn's tick (100 ms) woke it ~70 times a second."""
    assert queue_call(server.local_url, "search", ["how do you handle hallucinations?", 3, "all"], "s1")[-1]["success"]
    time.sleep(1.0)  # the search's stream has closed; nobody is connected
    thread = server.server.thread
    before = wake_ups(thread)
    time.sleep(3.0)
    assert wake_ups(thread) - before <= 12  # one tick a second, a look every 5 s per loop; before: ~200


def test_an_idle_server_starts_an_event_and_reports_progress_at_once(hash_config, monkeypatch):
    """The queue loops wait for an event to join or start, not for their next look (made 60 s here)."""
    monkeypatch.setattr(ui.idle, "RECHECK", 60.0)
    finder = AnswerFinder(hash_config)
    release = threading.Event()

    def rebuild(full: bool = False, progress=None):
        progress(0.5, "halfway")
        release.wait(30)
        return real(full=full)

    real = finder.rebuild
    monkeypatch.setattr(finder, "rebuild", rebuild)
    demo = launch(build_app(finder), "127.0.0.1", free_port(), block=False)
    try:
        time.sleep(1.0)  # both loops are waiting now
        started = time.monotonic()
        assert queue_call(demo.local_url, "search", ["What is LoRA?", 1, "all"], "s2")[-1]["success"]
        assert time.monotonic() - started < 5
        threading.Timer(3.0, release.set).start()  # the progress must be sent while the rebuild runs
        messages = queue_call(demo.local_url, "rebuild", [False, ""], "s3")
        assert "progress" in [m["msg"] for m in messages], [m["msg"] for m in messages]
        assert messages[-1]["success"]
    finally:
        release.set()
        demo.close()


def test_closing_the_server_does_not_wait_for_its_next_tick(hash_config, monkeypatch):
    monkeypatch.setattr(ui.idle, "TICK", 30.0)
    demo = launch(build_app(AnswerFinder(hash_config)), "127.0.0.1", free_port(), block=False)
    time.sleep(1.0)
    started = time.monotonic()
    demo.close()
    assert time.monotonic() - started < 3  # Gradio gives up waiting for the server's thread after 5 s
    assert not demo.server.thread.is_alive()


def test_rag_serve_stops_on_ctrl_c(tmp_path):
    """``rag serve`` waits for its server thread (no polling) and still stops cleanly on Ctrl+C."""
    (tmp_path / "rag.yaml").write_text(
        f"corpus: {REPO_CORPUS}\nindex: idx\nembedders: [hash]\ndata_dir: data\nseed_vectors: {REPO / 'vectors'}\n",
        encoding="utf-8",
    )
    port = free_port()
    # Python's Ctrl+C handler is set again: a shell's background job starts with Ctrl+C ignored.
    run = (
        "import signal, runpy, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv = sys.argv[1:]; runpy.run_module('rag', run_name='__main__')"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", run, "rag", "--config", str(tmp_path / "rag.yaml"), "serve", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any("Press Ctrl+C" in line for line in lines):  # the page is served and serve() waits
            assert server.poll() is None and time.monotonic() < deadline, f"the server did not start: {lines}"
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        reader.join(10)
    finally:
        server.kill()
    out = "".join(lines)
    assert server.returncode == 0, out
    assert "closing server" in out and "Traceback" not in out
