"""The probe's attacks on a live server without a password (probes M1, M2, L1, L7, L9, L10, N1, N5, N10-N12)."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from gradio_client import Client

import rag.service
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
        refusal = "cross-origin requests are refused" if origin else "uploads are disabled"  # probe N5: origin first
        assert reply.status_code == 403 and refusal in reply.json()["error"]
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


def raw_exchange(url: str, head: bytes, body_parts: list[bytes] = (), timeout: float = 30) -> bytes:
    """Send ``head`` then ``body_parts`` over a plain socket to the server at ``url``; the whole reply.

    The reply is read while the body is still being sent: a server that refuses early closes the
    connection, and the reset that follows would otherwise discard its answer.
    """
    import select
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(url)
    reply = b""
    with socket.create_connection((where.hostname, where.port), timeout=timeout) as sock:
        try:
            sock.sendall(head)
            for part in body_parts:
                if select.select([sock], [], [], 0)[0]:
                    break  # answered before the whole body was sent
                sock.sendall(part)
            while chunk := sock.recv(65536):  # every reply here closes the connection
                reply += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass
    return reply


def chunked(body: bytes, size: int = 1 << 16) -> list[bytes]:
    return [b"%x\r\n" % len(body[i:i + size]) + body[i:i + size] + b"\r\n" for i in range(0, len(body), size)] + [
        b"0\r\n\r\n"]  # fmt: skip


@pytest.mark.parametrize("path", ["/api/search", "/gradio_api/queue/join"])
def test_the_body_limit_holds_with_content_length_and_chunked_together(ui_server, path):
    """Probe N1: Content-Length: 10 plus Transfer-Encoding: chunked delivered 100 MB to /api/search."""
    body = json.dumps({"q": "hallucination " + "x" * 1_000_000}).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 10\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()  # fmt: skip
    reply = raw_exchange(ui_server.url, head, chunked(body))
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert b"request too large" in reply


def test_only_the_bound_host_names_are_answered(ui_server, http):
    """Probe N5: every route answered Host: rebind.evil.example, so a DNS-rebinding page was same-origin."""
    port = urlsplit(ui_server.url).port
    for path in ("/", "/config", "/api/status"):
        reply = http.get(path, headers={"Host": f"rebind.evil.example:{port}"})
        assert reply.status_code == 400 and "unknown host name" in reply.json()["error"], path
    for name in ("127.0.0.1", "localhost", "LOCALHOST."):
        assert http.get("/api/status", headers={"Host": f"{name}:{port}"}).status_code == 200, name


def test_cors_is_for_the_pages_own_origin_only(ui_server, http):
    """Probe N5: any localhost origin got access-control-allow-origin with credentials."""
    for origin in ("http://localhost:3000", "http://127.0.0.1:1", "http://evil.example", "null"):
        reply = http.get("/api/status", headers={"Origin": origin})
        assert reply.status_code == 403 and "access-control-allow-origin" not in reply.headers, origin
        preflight = http.options("/api/search", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers, origin
    own = ui_server.url.rstrip("/")
    assert http.get("/api/status", headers={"Origin": own}).status_code == 200
    assert http.post("/api/search", json={"q": "what is lora", "k": 1}, headers={"Origin": own}).status_code == 200


def test_a_cross_site_simple_post_cannot_rebuild(ui_server, http, held_build):
    """Probe N5: a text/plain POST with an empty body, as any web page may send, started a rebuild."""
    entered, _ = held_build
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}):
        reply = http.post("/api/rebuild", content=b"", headers=headers)
        assert reply.status_code == 415 and "application/json" in reply.json()["error"], headers
    reply = http.post("/api/rebuild", content=b"", headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert reply.status_code == 403
    assert not entered.is_set()  # no rebuild started


def test_every_response_forbids_framing(http):
    """Probe N5: no X-Frame-Options or CSP, so "Delete my history" could be clickjacked."""
    for path in ("/", "/config", "/api/status", "/no-such-page"):
        reply = http.get(path)
        assert reply.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"], path


def test_an_os_error_during_a_rebuild_is_a_json_error(ui_server, http, client, monkeypatch):
    """Probe N11: index/builds replaced by a file gave a plain-text 500 and an empty "Error" on the page."""
    builds = str(ui_server.config.index / "builds")

    def unwritable(*args, **kwargs):
        raise FileExistsError(17, "File exists", builds)

    monkeypatch.setattr(rag.service, "build_index", unwritable)
    reply = http.post("/api/rebuild", json={})
    assert reply.status_code == 500 and reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert error.startswith("rebuild failed") and "File exists" in error and "index/builds" in error
    assert builds not in reply.text  # no absolute server path
    with pytest.raises(Exception, match="Rebuild failed") as caught:
        client.predict(False, "", api_name="/rebuild")
    assert builds not in str(caught.value)
    assert http.get("/api/search", params={"q": "what is lora", "k": 1}).status_code == 200


def test_headers_sent_slowly_are_cut_off(ui_server, monkeypatch):
    """Probe N12: 3,000 half-sent requests were held open for 45 s; uvicorn has no header timeout."""
    import socket

    from ui.guard import HeaderTimeoutProtocol

    monkeypatch.setattr(HeaderTimeoutProtocol, "header_timeout", 1.0)
    where = urlsplit(ui_server.url)
    with socket.create_connection((where.hostname, where.port), timeout=0.2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started, closed = time.monotonic(), False
        while not closed and time.monotonic() - started < 8:
            try:
                sock.sendall(b"X-Slow: 1\r\n")  # one header line at a time, each well within any idle timeout
                closed = sock.recv(100) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        assert closed, "a client sending headers slowly kept its connection"
        assert time.monotonic() - started < 4


def test_one_client_cannot_fill_the_page_queue(ui_server, http, monkeypatch):
    """Probe N10: 200 queued searches from one client made a page search wait 59 s."""
    from ui.limits import QUEUE_PER_CLIENT

    release = threading.Event()
    real = ui_server.finder.search
    monkeypatch.setattr(ui_server.finder, "search", lambda *a, **kw: (release.wait(60), real(*a, **kw))[1])
    config = http.get("/config").json()
    search = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "search")

    def join(i: int) -> httpx.Response:
        return http.post("/gradio_api/queue/join", json={
            "data": [f"question {i}", 1, "all"], "fn_index": search, "trigger_id": None,
            "session_hash": f"flood{i:04d}", "event_data": None})  # fmt: skip

    try:
        replies = [join(i) for i in range(40)]
    finally:
        release.set()
    codes = [r.status_code for r in replies]
    admitted = codes.count(200)
    assert QUEUE_PER_CLIENT <= admitted <= 8 + QUEUE_PER_CLIENT + 2, codes  # 8 searches run at once
    refused = [r for r in replies if r.status_code == 429]
    assert refused and "waiting" in refused[0].json()["error"]
    deadline = time.monotonic() + 30
    while join(999).status_code != 200:  # the same client is served again once its events ran
        assert time.monotonic() < deadline
        time.sleep(0.5)



def test_visitors_behind_a_proxy_each_have_their_own_queue_share(hash_config, monkeypatch):
    """Behind --share (or a listed proxy) every visitor is 127.0.0.1: one page filling "its" 8 refused all others."""
    from rag import AnswerFinder
    from tests.conftest import free_port
    from ui.app import build_app, launch
    from ui.limits import QUEUE_PER_CLIENT

    monkeypatch.setenv("RAG_PROXY_ADDRESSES", "127.0.0.1")  # as launch(share=True) treats the tunnel's peer
    finder = AnswerFinder(hash_config)
    release = threading.Event()
    real = finder.search
    monkeypatch.setattr(finder, "search", lambda *a, **kw: (release.wait(60), real(*a, **kw))[1])
    demo = launch(build_app(finder), "127.0.0.1", free_port(), block=False)
    try:
        base = demo.local_url.rstrip("/")
        config = httpx.get(f"{base}/config", timeout=30).json()
        search = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "search")

        def join(session: str, i: int) -> int:
            return httpx.post(f"{base}/gradio_api/queue/join", timeout=30, json={
                "data": [f"question {i}", 1, "all"], "fn_index": search, "trigger_id": None,
                "session_hash": session, "event_data": None}).status_code  # fmt: skip

        first = [join("visitor-a", i) for i in range(30)]
        assert 429 in first and first.count(200) <= 8 + QUEUE_PER_CLIENT + 2, first  # its own share still holds
        assert join("visitor-b", 99) == 200  # … and is not everyone's
    finally:
        release.set()
        demo.close()


def test_wrong_passwords_behind_a_proxy_hold_back_only_the_guessing_page(hash_config, monkeypatch):
    """Behind --share, 5 wrong guesses from one visitor made every visitor wait, the owner too."""
    from rag import AnswerFinder
    from tests.conftest import free_port
    from tests.helpers import queue_call
    from ui.app import build_app, launch

    monkeypatch.setenv("RAG_PROXY_ADDRESSES", "127.0.0.1")
    demo = launch(build_app(AnswerFinder(hash_config), password="right"), "127.0.0.1", free_port(), block=False)
    try:
        summaries = [queue_call(demo.local_url, "rebuild", [False, "wrong"], "guesser")[-1]["output"]["data"][0]
                     for _ in range(6)]  # fmt: skip
        assert "Too many wrong passwords" in summaries[-1], summaries
        owner = queue_call(demo.local_url, "rebuild", [False, "right"], "owner")[-1]["output"]["data"][0]
        assert "Too many" not in owner and "Wrong password" not in owner, owner
    finally:
        demo.close()


def test_results_nobody_collects_are_dropped(hash_config, monkeypatch):
    """Probe N10: results of events whose client never read its stream stayed in memory for good."""
    import gc
    import weakref

    import ui.uncollected
    from rag import AnswerFinder
    from tests.conftest import free_port
    from ui.app import build_app, launch

    monkeypatch.setattr(ui.uncollected, "UNCOLLECTED_AFTER", 1.5)
    monkeypatch.setattr(ui.uncollected, "SWEEP_EVERY", 0.2)
    demo = launch(build_app(AnswerFinder(hash_config)), "127.0.0.1", free_port(), block=False)
    try:
        queue, base = demo._queue, demo.local_url.rstrip("/")
        config = httpx.get(f"{base}/config", timeout=30).json()
        search = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "search")

        def join(session: str) -> None:
            body = {"data": [f"how do you handle hallucinations {session}", 3, "all"], "fn_index": search,
                    "trigger_id": None, "session_hash": session, "event_data": None}  # fmt: skip
            while (reply := httpx.post(f"{base}/gradio_api/queue/join", json=body, timeout=30)).status_code == 429:
                time.sleep(0.2)  # more than 8 waiting from this address
            reply.raise_for_status()

        def read(session: str, wait: float) -> str:
            join(session)
            time.sleep(wait)  # a slow page, well within the limit
            with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session},
                              timeout=30) as stream:  # fmt: skip
                for line in stream.iter_lines():
                    message = json.loads(line[5:]) if line.startswith("data:") else {}
                    if message.get("msg") == "process_completed":
                        return "ok" if message.get("success") else "failed"
            return "no result"

        gone = [f"gone{i:02d}" for i in range(16)]  # join and never read
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            readers = [pool.submit(read, f"reader{i}", 0.5 * (i % 2)) for i in range(6)]
            list(pool.map(join, gone))
            assert [r.result(timeout=60) for r in readers] == ["ok"] * 6

        refs, completed = [], set()  # every message seen waiting for them; sessions whose result was seen
        deadline = time.monotonic() + 30
        while any(s in queue.pending_messages_per_session or s in queue.pending_event_ids_session for s in gone):
            assert time.monotonic() < deadline, "results nobody collected were kept"
            for session in gone:
                waiting = list(getattr(queue.pending_messages_per_session.get(session), "_queue", []))
                refs.extend(weakref.ref(m) for m in waiting)
                if any(getattr(m, "msg", None) == "process_completed" for m in waiting):
                    completed.add(session)
            del waiting  # the test itself holds none of them
            time.sleep(0.05)
        assert len(completed) >= len(gone) // 2  # their results were held for a while …
        gc.collect()
        assert not any(ref() is not None for ref in refs)  # … and then let go
        assert demo.uncollected.dropped >= len(gone)
        assert read("reader-after", 0) == "ok"  # the page still works
    finally:
        demo.close()
