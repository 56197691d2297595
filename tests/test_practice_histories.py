"""Whose practice history a page event touches (probe N3): one per browser on a shared server, by token."""

from __future__ import annotations

import stat

import gradio as gr
import pytest

from rag.practice import HistoryError
from ui.app import exposure_warnings
from ui.histories import TOKEN, Histories
from ui.practice_tab import _Handlers

ANSWER = "幻觉就是模型编造内容。我们用RAG检索知识库并标注引用，检索不到就转人工。"


@pytest.fixture
def shared(hash_practice):
    return _Handlers(Histories(hash_practice, per_browser=True))


def test_each_browser_gets_an_unguessable_token_it_keeps(shared):
    first, second = shared.issue(None), shared.issue("")
    assert TOKEN.fullmatch(first) and TOKEN.fullmatch(second) and first != second
    assert shared.issue(first) == first  # a browser that has one keeps it
    assert shared.issue("../../etc/passwd") != "../../etc/passwd"
    paths = {shared.mine(t).history.path for t in (first, second)}
    assert len(paths) == 2 and all(p.parent.name == "practice-browsers" and first not in p.name for p in paths)


def test_one_browser_cannot_read_fill_or_delete_another_ones_history(shared):
    mine, theirs = shared.issue(None), shared.issue(None)
    shared.submit(mine, "2.5", ANSWER, None)
    assert 'data-qid="2.5"' in shared.progress(mine) and "<td class=\"pr-num\">1</td>" in shared.progress(mine)
    assert "<td class=\"pr-num\">1</td>" not in shared.progress(theirs)  # not readable from another browser
    assert shared.forget(theirs, True)[0].startswith("已删除 Deleted 0 attempt")  # their own, empty history
    assert len(shared.mine(mine).history.attempts()) == 1
    assert shared.forget(mine, "yes")[0].startswith("先勾选确认")  # only a real tick confirms
    assert len(shared.mine(mine).history.attempts()) == 1


@pytest.mark.parametrize("token", [None, "", "x" * 43 + "!", 42])
def test_an_event_without_a_valid_token_touches_no_history(shared, token):
    for event in (lambda: shared.forget(token, True), lambda: shared.submit(token, "2.5", ANSWER, None),
                  lambda: shared.choose(token, "2.5")):
        with pytest.raises(gr.Error, match="no practice history key"):
            event()
    assert "no practice history key" in shared.progress(token)
    assert not shared.histories.practice.history.path.exists()  # the server's own history is never used
    with pytest.raises(HistoryError):
        shared.histories.practice_for(token)


def test_a_local_server_keeps_the_one_history(hash_practice):
    local = _Handlers(Histories(hash_practice, per_browser=False))
    assert local.issue(None) == "" and local.mine("anything") is hash_practice
    local.submit("", "2.5", ANSWER, None)
    assert len(hash_practice.history.attempts()) == 1


def test_the_page_secret_is_kept_owner_only_and_reused(hash_practice):
    first = Histories(hash_practice, per_browser=True)._secret()
    assert Histories(hash_practice, per_browser=True)._secret() == first  # tokens survive a restart
    secret = hash_practice.data_dir / "practice-browsers" / ".page-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_serve_warns_about_one_history_on_a_shared_server():
    assert any("--history single" in w for w in exposure_warnings("0.0.0.0", False, "pw", per_browser=False))
    assert exposure_warnings("0.0.0.0", False, "pw", per_browser=None) == []
    assert exposure_warnings("127.0.0.1", False, None, per_browser=False) == []
