"""The JSON HTTP API at /api, called over real HTTP against a live server (with a rebuild password)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from rag import build_index
from tests.helpers import write_answer
from ui.auth import PasswordGate

UI_PASSWORD = "api pass"  # read by the ui_server fixture (tests/conftest.py)
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


@pytest.fixture(scope="module")
def api(ui_server):
    with httpx.Client(base_url=ui_server.url.rstrip("/") + "/api", timeout=120) as client:
        yield client


def test_get_search_returns_the_cli_json_shape(api):
    reply = api.get("/search", params={"q": "how do you handle hallucinations?", "k": 3})
    assert reply.status_code == 200
    data = reply.json()
    assert set(data) >= {"query", "confident", "results"} and data["confident"] is True
    assert [r["question_id"] for r in data["results"]][0] == "2.5" and len(data["results"]) == 3
    first = data["results"][0]
    assert set(first) == {"question_id", "question", "section", "text", "score", "source"}
    assert first["source"]["path"] == "part2/2.5-hallucination.md"  # probe L8: relative to the corpus


def test_get_search_defaults_and_part_filter(api):
    assert len(api.get("/search", params={"q": "大模型"}).json()["results"]) == 5
    data = api.get("/search", params={"q": "how do you evaluate the project after launch?", "part": "3"}).json()
    assert all(r["question_id"].startswith("3.") for r in data["results"])


def test_search_explains_the_verdict_on_request(api):
    plain = api.get("/search", params={"q": "红烧肉怎么做才好吃", "k": 1}).json()
    explained = api.get("/search", params={"q": "红烧肉怎么做才好吃", "k": 1, "explain": "true"}).json()
    assert "why" not in plain
    assert [line.split()[0] for line in explained["why"]] == ["match", "related"]
    posted = api.post("/search", json={"q": ["What is an AI Agent?"], "k": 1, "explain": True}).json()
    assert posted[0]["verdict"] == "match" and "≥" in posted[0]["why"][0]


def test_post_search_one_question_or_a_list(api):
    one = api.post("/search", json={"q": "你是怎么做微调的？", "k": 2})
    assert one.status_code == 200 and one.json()["results"][0]["question_id"] == "2.4"
    many = api.post("/search", json={"q": ["What is an AI Agent?", "", "AIGC是什么"], "k": 1, "part": None})
    assert many.status_code == 200
    answers = many.json()
    assert [a["query"] for a in answers] == ["What is an AI Agent?", "", "AIGC是什么"]
    assert answers[0]["results"][0]["question_id"] == "2.7"
    assert answers[1]["results"] == [] and "empty" in answers[1]["notice"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("get", "/search", {"params": {"k": 3}}, "q"),
        ("get", "/search", {"params": {"q": "x", "k": "abc"}}, "k"),
        ("get", "/search", {"params": {"q": "x", "k": 0}}, "k"),
        ("get", "/search", {"params": {"q": "x", "part": "7"}}, "part"),  # a part the bank does not have
        ("get", "/search", {"params": {"q": "x", "part": "one"}}, "part"),
        ("post", "/search", {"json": {"q": "x", "part": True}}, "part"),  # not part 1 (probe N12)
        ("post", "/search", {"json": {"q": "x", "part": 0}}, "part"),
        ("post", "/search", {"json": {"q": 5}}, "q"),
        ("post", "/search", {"json": {"q": "x", "k": "3"}}, "k"),
        ("post", "/search", {"json": {"q": "x", "extra": 1}}, "extra"),
        ("post", "/search", {"content": b"{not json", "headers": {"content-type": "application/json"}}, ""),
        ("post", "/rebuild", {"json": {"full": "yes", "password": UI_PASSWORD}}, "full"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, method, path, kwargs, field):
    reply = getattr(api, method)(path, **kwargs)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"].startswith("bad request") and field in reply.json()["error"]


def test_too_large_requests_are_413(api):
    reply = api.post("/search", json={"q": "x" * 300_000})
    assert reply.status_code == 413 and "too large" in reply.json()["error"]
    reply = api.post("/search", json={"q": ["what is lora"] * 65})
    assert reply.status_code == 413 and "at most 64" in reply.json()["error"]


def test_a_request_holds_at_most_8000_characters_of_questions(api):
    """Probe N2: 64 questions of 500 characters took the shared encoder for 17-19 s."""
    reply = api.post("/search", json={"q": ["大模型幻觉" * 100] * 17, "k": 1})
    assert reply.status_code == 413, reply.text
    assert "at most 8000 characters" in reply.json()["error"] and "got 8500" in reply.json()["error"]
    long_ones = api.post("/search", json={"q": ["how do you handle hallucinations? " + "x" * 2000] * 16, "k": 1})
    assert long_ones.status_code == 200, long_ones.text  # each counts as the 500 characters searched


def test_hostile_query_text_gets_a_clean_answer(api):
    """Probe L3 and L10 through the API: lone surrogates, invisible-only and control characters."""
    body = '{"q": ["hallu\\ud800cination", "\\u200b\\u200b\\ufeff", "\\u0000\\u0001\\u0002"], "k": 1}'
    reply = api.post("/search", content=body.encode(), headers={"content-type": "application/json"})
    assert reply.status_code == 200, reply.text
    first, zero_width, control = reply.json()
    assert first["query"] == "hallucination" and first["results"][0]["question_id"] == "2.5"
    assert zero_width["results"] == [] == control["results"] and zero_width["query"] == "" == control["query"]
    raw = api.get("/search?q=hallu%ED%A0%80cination&k=1")  # the surrogate's bytes: invalid UTF-8
    assert raw.status_code == 200 and raw.json()["results"]


def test_status_describes_the_served_index(api, ui_server):
    status = api.get("/status").json()
    assert status["exists"] and status["embedders"] == ["e5-small"]
    assert status["chunk_count"] == len(ui_server.finder.searcher.chunks)
    assert status["password_required"] is True and status["rebuild_running"] is False


def test_the_openapi_schema_is_served_without_a_cdn_page(api):
    """Probe N12: /api/docs loaded swagger-ui from a CDN into the server's origin (and broke offline)."""
    schema = api.get("/openapi.json").json()
    assert {"/search", "/status", "/rebuild"} <= set(schema["paths"])
    assert {"get", "post"} <= set(schema["paths"]["/search"])
    for page in ("/docs", "/redoc"):
        assert api.get(page).status_code == 404


def test_rebuild_needs_the_password_and_reports_what_changed(api, ui_server):
    assert api.post("/rebuild", json={"password": "nope"}).status_code == 401
    assert api.post("/rebuild", json={}).status_code == 401
    assert api.post("/rebuild").status_code == 415  # a POST must be JSON (probe N5)
    path = ui_server.config.corpus / "part2" / "2.7-ai-agent.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充：apirebuildword。\n", encoding="utf-8")
    reply = api.post("/rebuild", json={"password": UI_PASSWORD})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["report"]["files_changed"] == ["part2/2.7-ai-agent.md"]
    assert 0 < data["report"]["chunks_embedded"] < data["report"]["chunks_reused"]
    assert "index_path" not in data["report"] and "/" not in data["report"]["build"]  # no server paths
    assert data["status"]["stale"] is False
    found = api.get("/search", params={"q": "apirebuildword", "k": 1}).json()
    assert found["results"][0]["question_id"] == "2.7"


def test_wrong_guesses_are_slowed_down(api):
    """Probe L7: 300 wrong passwords took 1.2 s. Now the sixth wrong guess in a row is refused for a while."""
    codes = [api.post("/rebuild", json={"password": f"guess {i}"}).status_code for i in range(5)]
    assert codes == [401] * 5
    refused = api.post("/rebuild", json={"password": UI_PASSWORD})  # even the right one, while blocked
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    time.sleep(int(refused.headers["retry-after"]) + 0.2)
    assert api.post("/rebuild", json={"password": UI_PASSWORD}).status_code == 200


def test_a_forged_x_forwarded_for_does_not_give_more_guesses(api):
    """Probe N4: with a new X-Forwarded-For each time, 300 wrong guesses got 401 and none was throttled."""
    codes = [api.post("/rebuild", json={"password": f"guess {i}"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
             .status_code for i in range(PasswordGate.FREE_ATTEMPTS + 1)]  # fmt: skip
    assert codes == [401] * PasswordGate.FREE_ATTEMPTS + [429], codes
    time.sleep(int(api.post("/rebuild", json={"password": UI_PASSWORD}).headers["retry-after"]) + 0.2)
    assert api.post("/rebuild", json={"password": UI_PASSWORD}).status_code == 200


def test_a_rebuild_while_one_runs_is_409(api, ui_server, held_build):
    entered, release = held_build
    first: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: first.append(api.post("/rebuild", json={"password": UI_PASSWORD})))
    worker.start()
    try:
        assert entered.wait(30)
        assert api.get("/status").json()["rebuild_running"] is True
        started = time.monotonic()
        second = api.post("/rebuild", json={"password": UI_PASSWORD, "full": True})
        assert second.status_code == 409 and "already running" in second.json()["error"]
        assert time.monotonic() - started < 5
    finally:
        release.set()
        worker.join(120)
    assert first[0].status_code == 200


def test_corpus_problems_are_422_and_never_quote_files_outside(api, ui_server, tmp_path):
    """Probe L5 through the API: a link to a config file elsewhere, quoted in the rebuild reply."""
    secret = tmp_path / "config.yaml"
    secret.write_text('---\nid: DB_PASSWORD=hunter2\norigin: "api_key=sk-LEAKED"\n---\n', encoding="utf-8")
    link = ui_server.config.corpus / "part1" / "9.3-config.md"
    link.symlink_to(secret)
    try:
        reply = api.post("/rebuild", json={"password": UI_PASSWORD})
    finally:
        link.unlink()
    assert reply.status_code == 422
    assert "hunter2" not in reply.text and "sk-LEAKED" not in reply.text
    problems = reply.json()["problems"]
    assert problems == [{"path": "part1/9.3-config.md", "line": 1, "message": problems[0]["message"]}]
    assert "outside the corpus" in problems[0]["message"]


def test_a_file_replaced_during_searches_never_gives_500(api, ui_server):
    """Probe L2: 69 of 300 searches returned HTTP 500 while a corpus file was being replaced."""
    path = ui_server.config.corpus / "part3" / "3.3-model-choice.md"
    data = path.read_bytes()
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            path.unlink(missing_ok=True)
            path.write_bytes(data)

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        codes = [api.get("/search", params={"q": "这个项目你们用的模型是哪个", "k": 3}).status_code for _ in range(60)]
        codes += [api.get("/status").status_code for _ in range(20)]
    finally:
        stop.set()
        writer.join()
    path.write_bytes(data)
    assert set(codes) == {200}


def test_a_build_made_by_another_process_is_picked_up(api, ui_server):
    """Probe L4: the server kept answering from its old index and the panel still said up to date."""
    served = api.get("/status").json()["chunk_count"]
    write_answer(ui_server.config.corpus / "part3", "3.95", "关于水豚 okapi 饲养的问题")
    build_index(ui_server.config)  # as `rag index` in another shell
    deadline = time.monotonic() + 30
    found = []
    while time.monotonic() < deadline and not found:
        found = [r for r in api.get("/search", params={"q": "水豚 okapi 饲养", "k": 3}).json()["results"]
                 if r["question_id"] == "3.95"]  # fmt: skip
        time.sleep(0.3)
    assert found, "the newer build was never loaded"
    status = api.get("/status").json()
    assert status["chunk_count"] > served and status["stale"] is False
    (ui_server.config.corpus / "part3" / "3.95-test.md").unlink()
    assert json.loads(api.post("/rebuild", json={"password": UI_PASSWORD}).text)["report"]["files_removed"]
