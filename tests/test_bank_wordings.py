"""Interviewer wordings beside an answer (<stem>.asked.yaml) and the list of questions the bank does not answer."""

from __future__ import annotations

import numpy as np
import pytest

from rag import build_index
from rag.bank.corpus import check_corpus, corpus_hashes, read_document
from rag.errors import CorpusError
from rag.index.store import load_index
from rag.search.intent import asks_about_interview, topic_terms
from rag.service import index_status
from rag.text.tokenize import tokenize
from tests.helpers import write_answer


def _answer(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return write_answer(folder, "9.1", "测试问题？")


def test_asked_questions_are_indexed_as_section_questions_of_their_section(hash_config):
    corpus = hash_config.corpus
    _answer(corpus / "part9")
    (corpus / "part9" / "9.1-test.asked.yaml").write_text("要点:\n  - 面试官会怎么问这一点？\n  - How is this asked?\n")
    build_index(hash_config)
    chunks = [c for c in load_index(hash_config.index).chunks if c.question_id == "9.1"]
    asked = [c for c in chunks if c.text in ("面试官会怎么问这一点？", "How is this asked?")]
    assert len(asked) == 2 and {c.kind for c in asked} == {"section_question"}
    assert {c.section for c in asked} == {"参考答案 › 要点"}


def test_editing_asked_questions_makes_the_index_stale(hash_config):
    corpus = hash_config.corpus
    _answer(corpus / "part9")
    side = corpus / "part9" / "9.1-test.asked.yaml"
    side.write_text("要点:\n  - 第一种问法？\n")
    build_index(hash_config)
    assert not index_status(hash_config).stale
    side.write_text("要点:\n  - 第二种问法？\n")
    status = index_status(hash_config)
    assert status.stale and "part9/9.1-test.asked.yaml" in status.changed_files


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("要点:\n  - 好问题？\n不存在的小节:\n  - 问题？\n", 3, "no '### 不存在的小节'"),
        ("要点: 不是列表\n", 1, "must have a list"),
        ("要点:\n  - [坏\n", 2, "invalid YAML"),
    ],
)
def test_a_bad_sidecar_is_a_problem_naming_its_file_and_line(corpus_copy, text, line, words):
    _answer(corpus_copy / "part9")
    (corpus_copy / "part9" / "9.1-test.asked.yaml").write_text(text)
    doc, problems = read_document(corpus_copy, "part9/9.1-test.md", 512_000)
    assert doc is None and len(problems) == 1
    assert problems[0].path == "part9/9.1-test.asked.yaml" and problems[0].line == line
    assert words in problems[0].message


def test_a_sidecar_without_its_answer_file_is_a_problem(corpus_copy):
    (corpus_copy / "part1" / "1.9-gone.asked.yaml").write_text("要点:\n  - 问题？\n")
    _, problems = check_corpus(corpus_copy)
    assert [p.path for p in problems] == ["part1/1.9-gone.asked.yaml"]
    assert "1.9-gone.md" in problems[0].message


def test_not_covered_questions_are_stored_per_embedder_without_pickle(hash_config):
    (hash_config.corpus / "not-covered.yaml").write_text(
        "topics:\n  - name: 定价\n    scope: on_topic\n    questions: [AI 产品怎么定价？, How to price it?]\n"
    )
    build_index(hash_config)
    index = load_index(hash_config.index)
    vectors = index.not_covered["hash"]
    assert vectors.shape[0] == 2 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert [q["text"] for q in index.manifest["not_covered"]] == ["AI 产品怎么定价？", "How to price it?"]
    assert np.load(index.path / "not-covered-0.npy", allow_pickle=False).shape == vectors.shape
    assert "not-covered.yaml" in corpus_hashes(hash_config.corpus)


def test_a_bad_not_covered_list_stops_the_build_with_file_and_line(hash_config):
    (hash_config.corpus / "not-covered.yaml").write_text(
        "topics:\n  - name: 定价\n    scope: on_topic\n    questions: [问题？]\n  - name: 编程\n    scope: sometimes\n"
        "    questions: [写个排序？]\n"
    )
    with pytest.raises(CorpusError) as caught:
        build_index(hash_config)
    (problem,) = caught.value.problems
    assert problem.path == "not-covered.yaml" and problem.line == 5 and "scope" in problem.message


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("AIGC产品怎么控制推理成本？", ["控制", "推理", "成本"]),
        ("How would you control inference cost for an AI product?", ["control", "infer", "cost"]),
        ("谈谈你对AIGC的理解", ["aigc", "理解"]),  # framing words stay when too little would be left
        # "大模型" is in nearly every answer: as a keyword it pulled 2.1 and 2.2 (their titles say 大语言模型)
        ("给外卖 App 加一个大模型功能怎么设计", ["给", "外卖", "加", "功能", "设计"]),
        ("How do LLM models reduce support costs?", ["reduc", "support", "cost"]),
        ("什么是大语言模型", ["大", "语言", "模型"]),
    ],
)
def test_framing_words_are_not_keywords(query, kept):
    assert topic_terms(tokenize(query)) == kept


@pytest.mark.parametrize(
    ("query", "about_interview"),
    [
        ("这道题面试官想考察什么？", True),
        ("What is the interviewer looking for with this question?", True),
        ("How should I structure my answer to the project question?", True),
        ("向量检索的文档切片切多大合适？", False),
        ("Tell me about a time you had to push back on using a bigger model.", False),
    ],
)
def test_questions_about_the_interview_are_told_apart(query, about_interview):
    assert asks_about_interview(query) == about_interview
