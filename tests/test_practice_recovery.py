"""Practice while the corpus breaks and is fixed (probe N6): the bank as last read, escaped messages, recovery."""

from __future__ import annotations

import gradio as gr
import pytest

from rag import CorpusError, load_config
from rag.practice import Practice

BROKEN = "3.6-<img src=x onerror=alert(1)><a href=https:&#47;&#47;evil.example>CLICK ME.md"


def break_corpus(corpus):
    bad = corpus / "part3" / BROKEN
    bad.write_text("no front matter at all\n", encoding="utf-8")
    return bad


def test_a_corpus_broken_while_running_keeps_the_bank_as_last_read(hash_practice, corpus_copy):
    before = list(hash_practice.references())
    bad = break_corpus(corpus_copy)
    assert list(hash_practice.references()) == before  # search keeps its index; practice keeps its bank
    assert hash_practice.pick("2.5")[0].question_id == "2.5"
    bad.unlink()
    (corpus_copy / "part2" / "2.5-hallucination.md").write_text(
        (corpus_copy / "part2" / "2.5-hallucination.md").read_text(encoding="utf-8").replace(
            "question:", "question: 改过的", 1), encoding="utf-8")
    assert hash_practice.question("2.5").question.startswith("改过的")  # fixed: the new bank is read


def test_broken_at_start_then_fixed_recovers(corpus_copy, tmp_path):
    bad = break_corpus(corpus_copy)
    practice = Practice(load_config(corpus=corpus_copy, index=tmp_path / "index", data_dir=tmp_path / "data",
                                    embedders=["hash"]))  # starts anyway
    with pytest.raises(CorpusError):
        practice.questions()
    bad.unlink()
    assert len(practice.questions()) > 20


def test_the_tab_shows_the_problem_escaped_and_recovers(corpus_copy, tmp_path):
    from ui.histories import Histories
    from ui.practice_tab import _Handlers

    bad = break_corpus(corpus_copy)
    handlers = _Handlers(Histories(Practice(load_config(corpus=corpus_copy, index=tmp_path / "index",
                                                        data_dir=tmp_path / "data", embedders=["hash"])), False))
    shown = handlers.next_due("", "all")[1]
    assert "Practice is unavailable" in shown and "<img" not in shown and "&lt;img" in shown
    assert "<a href" not in shown and "CLICK ME" in shown
    with pytest.raises(gr.Error) as error:
        handlers.choose("", "2.5")
    assert "<img" not in str(error.value) and "&lt;img" in str(error.value)  # a message, not a blank "Error"
    bad.unlink()
    assert 'data-qid="1.1"' in handlers.next_due("", "all")[1]
