"""Hostile query text (probe L3, L10): invalid characters, invisible-only and huge queries."""

from __future__ import annotations

import time

import pytest


def test_lone_surrogates_are_removed_and_the_rest_is_answered(real_searcher):
    response = real_searcher.search("hallu\ud800cination", k=3)
    assert response.query == "hallucination"
    assert response.results and response.results[0].question_id == "2.5"
    assert "removed" in response.notice


@pytest.mark.parametrize("query", ["\x00\x01\x02", "\u200b\u200b\ufeff", " \u2060\u200d\t\u202e "])
def test_invisible_only_queries_count_as_empty(real_searcher, query):
    response = real_searcher.search(query)
    assert response.results == [] and response.query == ""
    assert "empty" in response.notice


def test_control_characters_are_not_echoed(real_searcher):
    response = real_searcher.search("what\x00 is\u200b lora\x1b")
    assert response.query == "what is lora"
    assert response.results


def test_a_huge_query_is_cut_before_it_is_processed():
    from rag.search.query import clean_query

    huge = "word " * 10_000_000  # 50 MB
    started = time.perf_counter()
    text, notice = clean_query(huge, 500)
    assert time.perf_counter() - started < 0.2  # splitting 50 MB in full took 0.4 s and more
    assert len(text) <= 500 and text.startswith("word word")
    assert "truncated" in notice


def test_ordinary_text_is_left_alone():
    from rag.search.query import clean_query

    assert clean_query("  大模型  胡说八道\n怎么办？ ", 500) == ("大模型 胡说八道 怎么办？", "")
    assert clean_query("emoji 👍🏽 and e\u0301", 500) == ("emoji 👍🏽 and e\u0301", "")


@pytest.mark.parametrize("blank", [" " * 4_000, "\u200b" * 4_100, "\n\t" * 3_000 + "\u3000" * 2_000])
def test_text_after_many_leading_blanks_is_still_the_question(blank):
    """Probe N12: 4,000 spaces or 4,100 zero-width characters before the question made it "empty"."""
    from rag.search.query import clean_query

    text, notice = clean_query(blank + "how do you handle hallucination", 500)
    assert text == "how do you handle hallucination"
    assert "empty" not in notice


def test_a_long_blank_prefix_costs_little():
    from rag.search.query import clean_query

    started = time.perf_counter()
    assert clean_query(" " * 10_000_000 + "what is lora", 500)[0] == "what is lora"
    assert clean_query("\u200b" * 300_000 + "what is lora", 500)[0] == "what is lora"  # more than a request body
    assert time.perf_counter() - started < 0.5
