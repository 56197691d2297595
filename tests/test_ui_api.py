"""The web UI's named API endpoints, called through gradio_client against a live server."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from gradio_client import Client

from ui.app import WRONG_PASSWORD

# Gradio's queue trips pandas deprecation warnings on every event; they are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")
UI_PASSWORD = "correct horse"  # read by the ui_server fixture (tests/conftest.py)
EDITED = "part2/2.7-ai-agent.md"


@pytest.fixture(scope="module")
def client(ui_server) -> Client:
    return Client(ui_server.url, verbose=False)


def test_both_endpoints_are_named(client):
    api = client.view_api(return_format="dict", print_info=False)
    assert {"/search", "/rebuild"} <= set(api["named_endpoints"])
    search_params = [p["parameter_name"] for p in api["named_endpoints"]["/search"]["parameters"]]
    assert search_params == ["question", "k", "part"]


def test_search_with_only_the_question(client):
    html, data = client.predict("how do you handle hallucinations?", api_name="/search")
    assert data["question_ids"][0] == "2.5"
    assert data["confident"] is True
    assert len(data["question_ids"]) == 5
    assert data["results"][0]["source"]["file"].endswith("part2/2.5-hallucination.md")
    assert 'data-qid="2.5"' in html and "2.5-hallucination.md" in html


def test_out_of_scope_question_is_not_confident(client):
    html, data = client.predict("How do I reset my router?", api_name="/search")
    assert data["confident"] is False
    assert "Nothing in the bank covers this question" in html
    assert data["verdict"] == "none"
    assert "rag-weak" in html


def test_k_and_part_filter(client):
    _, data = client.predict("how do you evaluate the project after launch?", 3, "3", api_name="/search")
    assert len(data["question_ids"]) == 3
    assert all(qid.startswith("3.") for qid in data["question_ids"])


def test_empty_question_shows_the_notice_and_no_cards(client):
    html, data = client.predict("   ", api_name="/search")
    assert data["question_ids"] == [] and data["notice"]
    assert "rag-card" not in html and "问题为空" in html


def test_markup_in_the_question_is_escaped(client):
    html, data = client.predict("<img src=x onerror=alert(1)>", api_name="/search")
    assert data["query"] == "<img src=x onerror=alert(1)>"
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_rebuild_after_editing_one_answer(client, ui_server):
    path = ui_server.config.corpus / EDITED
    path.write_text(path.read_text(encoding="utf-8") + f"\n补充说明 {uuid.uuid4().hex}。\n", encoding="utf-8")
    summary, status = client.predict(False, UI_PASSWORD, api_name="/rebuild")
    assert "changed 1," in summary, summary
    assert EDITED in summary
    embedded, reused = map(int, re.search(r"\((\d+) embedded, (\d+) reused\)", summary).groups())
    assert 0 < embedded < reused, summary
    assert "Up to date with the corpus" in status
    _, data = client.predict("What is an AI Agent?", api_name="/search")
    assert data["question_ids"][0] == "2.7"


def test_rebuild_refuses_a_wrong_password(client, ui_server):
    built_at = ui_server.finder.status().built_at
    for wrong in ("", "wrong", UI_PASSWORD + " "):
        summary, _ = client.predict(False, wrong, api_name="/rebuild")
        assert summary == WRONG_PASSWORD
    assert ui_server.finder.status().built_at == built_at


def test_search_is_not_queued_behind_a_rebuild(client, ui_server, held_build):
    entered, release = held_build
    job = client.submit(False, UI_PASSWORD, api_name="/rebuild")
    try:
        assert entered.wait(30), "the rebuild never started"
        started = time.monotonic()
        _, data = client.predict("大模型胡说八道怎么办", api_name="/search")
        assert data["question_ids"][0] == "2.5"
        assert time.monotonic() - started < 20
        assert not job.done()
    finally:
        release.set()
    summary, _ = job.result(timeout=120)
    assert "Rebuilt" in summary
