"""The glossary: validation with file:line, query expansion, and its place in the index."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag import build_index, open_searcher
from rag.bank.corpus import check_corpus, corpus_hashes, read_glossary
from rag.bank.glossary import GLOSSARY_FILE, Glossary, annotate, parse_glossary
from rag.errors import CorpusError
from rag.index.store import read_manifest
from rag.service import index_status

GOOD = """\
# synonyms
groups:
  - [幻觉, 胡说八道, hallucination, make things up]
  - [微调, fine-tuning, finetune]
"""


def test_a_valid_glossary_parses_into_groups():
    glossary, problems = parse_glossary(GOOD)
    assert problems == []
    assert glossary.groups == [
        ["幻觉", "胡说八道", "hallucination", "make things up"],
        ["微调", "fine-tuning", "finetune"],
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("groups:\n  - [幻觉, hallucination]\n  - [一个词]\n", 3, "at least two"),
        ("groups:\n  - [幻觉, hallucination]\n  - [胡说八道, 幻觉]\n", 3, "already in the group on line 2"),
        ("groups:\n  - [幻觉, hallucination\n", 3, "invalid YAML"),
        ("groups:\n  - [幻觉, Hallucination, hallucination]\n", 2, "twice"),
        ("terms: [a, b]\n", 1, "groups"),
    ],
)
def test_a_bad_glossary_names_the_file_and_line(text, line, words):
    glossary, problems = parse_glossary(text)
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == (GLOSSARY_FILE, line)
    assert words in problems[0].message
    assert "glossary.yaml:" in str(problems[0])


def test_english_and_colloquial_wording_expand_to_the_banks_word():
    glossary = Glossary(parse_glossary(GOOD)[0].groups)
    assert "幻觉" in glossary.expand("Why do chatbots hallucinate so often?")  # stemmed: hallucinate ~ hallucination
    assert "幻觉" in glossary.expand("大模型胡说八道怎么办")
    assert "幻觉" in glossary.expand("the model makes things up")  # a phrase, matched word by word
    assert glossary.expand("how do you price an API?") == []
    # the words of an English phrase are too common to search for on their own
    assert "make" not in glossary.expand("幻觉的成因")


def test_phrase_words_must_be_consecutive():
    glossary = Glossary([["幻觉", "make things up"]])
    assert glossary.matched_groups("make a plan, things go up") == []
    assert glossary.matched_groups("it makes things up") == [0]


def test_a_phrase_is_matched_with_its_small_words():
    glossary = Glossary([["优势", "good at"], ["模型选型", "which model"]])
    assert glossary.matched_groups("Are 500 good examples enough to fine-tune a customer-service model?") == []
    assert glossary.matched_groups("Which model is good at coding?") == [0, 1]


def test_rag_check_reports_glossary_problems(corpus_copy):
    (corpus_copy / GLOSSARY_FILE).write_text("groups:\n  - [幻觉]\n", encoding="utf-8")
    _, problems = check_corpus(corpus_copy)
    assert [(p.path, p.line) for p in problems] == [(GLOSSARY_FILE, 2)]


def test_the_index_carries_the_glossary_and_notices_an_edit(hash_config):
    glossary = hash_config.corpus / GLOSSARY_FILE
    glossary.write_text(GOOD, encoding="utf-8")
    build_index(hash_config)
    assert read_manifest(hash_config.index)["glossary"][0][0] == "幻觉"
    assert not index_status(hash_config).stale
    glossary.write_text(GOOD + "  - [延迟, latency]\n", encoding="utf-8")
    status = index_status(hash_config)
    assert status.stale and status.changed_files == [GLOSSARY_FILE]
    report = build_index(hash_config)
    assert report.chunks_embedded == 0  # a glossary edit re-embeds nothing
    assert read_manifest(hash_config.index)["glossary"][-1] == ["延迟", "latency"]


def test_a_broken_glossary_leaves_the_previous_index_serving(hash_config):
    build_index(hash_config)
    before = read_manifest(hash_config.index)["built_at"]
    (hash_config.corpus / GLOSSARY_FILE).write_text("groups:\n  - [幻觉, 幻觉]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="glossary.yaml:2"):
        build_index(hash_config)
    assert read_manifest(hash_config.index)["built_at"] == before


def test_an_english_keyword_query_reaches_chinese_sections_through_the_glossary(hash_config):
    """BM25 alone cannot find a Chinese section for an English word; the glossary's synonym can."""
    (hash_config.corpus / GLOSSARY_FILE).write_text("groups:\n  - [幻觉, confabulation]\n", encoding="utf-8")
    build_index(hash_config)
    with_glossary = open_searcher(hash_config, refresh=False)
    without = open_searcher(replace(hash_config, glossary_weight=0.0), refresh=False)
    query = "confabulation"  # a word the corpus never uses
    assert without.search(query, k=3, mode="bm25").results == []
    top = with_glossary.search(query, k=3, mode="bm25").results
    assert top and all("幻觉" in r.text or "幻觉" in r.section or r.question_id == "2.5" for r in top)


def test_an_english_query_is_embedded_with_the_banks_words():
    glossary = Glossary([["幻觉", "hallucination"], ["微调", "fine-tuning"]])
    assert annotate(glossary, "Why do models hallucinate after fine-tuning?") == (
        "Why do models hallucinate after fine-tuning? （幻觉，微调）"
    )
    assert annotate(glossary, "大模型 hallucination 怎么办") == "大模型 hallucination 怎么办"  # has Chinese: as is
    assert annotate(glossary, "How do you price an API?") == "How do you price an API?"


def test_a_word_most_answers_use_gives_no_embedding_hint():
    glossary = Glossary([["产品经理", "product manager"], ["幻觉", "hallucination"]])
    answers = ["产品经理要懂幻觉", "产品经理的职责", "产品经理与用户"]
    only = glossary.specific_groups(answers, max_share=1 / 3)
    assert only == {1}
    assert annotate(glossary, "Can a product manager reduce hallucination?", only) == (
        "Can a product manager reduce hallucination? （幻觉）"
    )


def test_the_response_says_which_bank_words_were_added(real_searcher):
    response = real_searcher.search("Why do chatbots make things up so confidently?")
    assert "幻觉" in response.glossary
    assert response.to_dict()["glossary"] == list(response.glossary)
    assert response.results[0].question_id == "2.5"
    assert "glossary" not in real_searcher.search("幻觉怎么避免").to_dict()  # nothing added: the bank's own word


def test_a_glossary_is_read_like_a_corpus_file(corpus_copy, tmp_path):
    """A link leaving the corpus folder is refused, as for answers; the hash is the one the status uses."""
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(GOOD, encoding="utf-8")
    (corpus_copy / GLOSSARY_FILE).unlink()  # the copy of the bank's own
    (corpus_copy / GLOSSARY_FILE).symlink_to(outside)
    read = read_glossary(corpus_copy)
    assert len(read.glossary) == 0 and read.sha256 == ""
    assert [(p.path, p.line) for p in read.problems] == [(GLOSSARY_FILE, 1)]
    assert "outside the corpus" in read.problems[0].message
    (corpus_copy / GLOSSARY_FILE).unlink()
    (corpus_copy / GLOSSARY_FILE).write_text(GOOD, encoding="utf-8")
    read = read_glossary(corpus_copy)
    assert len(read.glossary) == 2 and read.sha256 == corpus_hashes(corpus_copy)[GLOSSARY_FILE]
