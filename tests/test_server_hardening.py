"""The probe's attacks on a live server without a password (probe M1, M2, L1, L7, L9, L10), over real HTTP."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import httpx
import pytest
from gradio_client import Client

from ui.app import REBUILD_RUNNING

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


@pytest.fixture(scope="module")
def http(ui_server):
    with httpx.Client(base_url=ui_server.url.rstrip("/"), timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def client(ui_server) -> Client:
    return Client(ui_server.url, verbose=False)


def test_a_rebuild_flood_is_refused_and_the_page_stays_responsive(ui_server, http, client, held_build):
    """Probe M1: ~41 direct /rebuild calls behind one running rebuild starved every thread for 12 s."""
    entered, release = held_build
    running = threading.Thread(target=lambda: ui_server.finder.rebuild(full=False))
    running.start()
    base = ui_server.url.rstrip("/")

    def direct(_: int) -> int:  # the probe's route, which skipped Gradio's queue
        return httpx.post(f"{base}/gradio_api/run/rebuild", json={"data": [False, ""]}, timeout=120).status_code

    def api(_: int) -> int:
        return httpx.post(f"{base}/api/rebuild", json={"full": True}, timeout=120).status_code

    try:
        assert entered.wait(30)
        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            flood = [pool.submit(direct, i) for i in range(45)] + [pool.submit(api, i) for i in range(5)]
            queued = [client.submit(False, "", api_name="/rebuild") for _ in range(5)]
            time.sleep(1.0)
            started = time.monotonic()
            assert http.get("/").status_code == 200
            _, data = client.predict("大模型胡说八道怎么办", api_name="/search")
            assert data["question_ids"][0] == "2.5"
            assert time.monotonic() - started < 10, "the page or a search waited behind the rebuild flood"
            assert http.get("/api/search", params={"q": "what is lora"}).status_code == 200
            codes = [f.result(timeout=30) for f in flood]
            summaries = [job.result(timeout=30)[0] for job in queued]
        assert set(codes[:45]) == {404}  # Gradio's REST shortcut past the queue is closed
        assert set(codes[45:]) == {409}
        assert summaries == [REBUILD_RUNNING] * 5
    finally:
        release.set()
        running.join(120)


def test_uploads_are_refused_and_nothing_is_stored(http):
    """Probe M2: a 200 MB anonymous upload was stored forever and served back."""
    for origin in (None, "http://evil.example"):
        headers = {"Origin": origin} if origin else {}
        reply = http.post("/gradio_api/upload", files={"files": ("x.bin", b"\0" * 2048)}, headers=headers)
        assert reply.status_code == 403 and "uploads are disabled" in reply.json()["error"]
        assert not reply.text.startswith("[")  # no stored path came back
    assert http.get("/config").json()["max_file_size"] == 1


def test_large_request_bodies_are_refused_everywhere(http):
    """Probe L10: a 50 MB query was accepted; request bodies are now capped for Gradio's routes too."""
    reply = http.post("/gradio_api/queue/join", content=b"{" + b" " * 400_000 + b"}",
                      headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 413


def test_monitoring_is_off(http, capfd):
    """Probe L9: /monitoring/summary showed traffic to anyone and /monitoring printed a secret URL."""
    assert http.get("/monitoring/summary").status_code in (403, 404)
    assert http.get("/monitoring").status_code in (403, 404)
    assert "Monitoring URL" not in capfd.readouterr().out


def test_raw_search_calls_get_clear_answers(http, client):
    """Probe L10: raw /run/search with only the question, and k="abc", gave 500 with a null message."""
    reply = http.post("/gradio_api/run/search", json={"data": ["hallucination"]})
    assert reply.status_code == 404 and "queue" in reply.json()["detail"]
    for bad_k in ("abc", None, 0, 11, 2.5, [3]):
        if bad_k is None:
            continue  # None means "use the default", like gradio_client's own default
        with pytest.raises(Exception, match="k must be"):
            client.predict("hallucination", bad_k, "all", api_name="/search")
    with pytest.raises(Exception, match="part must be"):
        client.predict("hallucination", 3, "7", api_name="/search")  # a part the bank does not have
    _, data = client.predict("hallucination", None, None, api_name="/search")
    assert len(data["question_ids"]) == 5


def test_full_must_be_a_boolean(ui_server, client):
    """Probe L10: full="yes" ran a full rebuild."""
    built_at = ui_server.finder.status().built_at
    with pytest.raises(Exception, match="full must be true or false"):
        client.predict("yes", "", api_name="/rebuild")
    assert ui_server.finder.status().built_at == built_at
