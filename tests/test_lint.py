"""Corpus warnings (rag check): section questions, spoken version, dates, typography; and section-question errors."""

from __future__ import annotations

from rag import check_corpus
from rag.bank.corpus import corpus_files
from rag.bank.lint import corpus_warnings
from tests.conftest import REPO_CORPUS
from tests.helpers import write_answer

BODY = (
    "# 问题\n\n## 考核点\n\n1. 一点。\n\n## 参考答案\n\n### 要点\n\n答案正文用\"直引号\"写。\n\n"
    "### 第二点\n\n更多正文。\n"
)


def test_the_bank_has_no_problems_and_no_warnings():
    docs, problems = check_corpus(REPO_CORPUS)
    assert problems == [] and len(docs) == len(corpus_files(REPO_CORPUS)) >= 19
    assert corpus_warnings(docs) == []


def test_missing_pieces_are_warned_with_file_and_line(tmp_path):
    write_answer(tmp_path, "9.1", "问题", BODY, section_questions='{"要点": ["只有中文的问题？"]}')
    docs, problems = check_corpus(tmp_path)
    assert problems == []
    messages = [str(w) for w in corpus_warnings(docs)]
    assert "9.1-test.md:2: '### 要点' has 1 section questions (2–4 expected in section_questions)" in messages
    assert "9.1-test.md:2: '### 第二点' has 0 section questions (2–4 expected in section_questions)" in messages
    assert any("no '## 两分钟口述版'" in m for m in messages)
    assert "9.1-test.md:2: authored answer without 'reviewed: YYYY-MM'" in messages
    assert any(m.startswith("9.1-test.md:20: typography:") for m in messages)  # the straight quotes


def test_one_language_only_is_warned(tmp_path):
    write_answer(tmp_path, "9.1", "问题", BODY, section_questions='{"要点": ["第一个问题？", "第二个问题？"]}')
    docs, _ = check_corpus(tmp_path)
    assert any("needs at least one Chinese and one English" in str(w) for w in corpus_warnings(docs))


def test_section_questions_for_an_unknown_heading_are_an_error_at_their_line(tmp_path):
    write_answer(tmp_path, "9.1", "问题", BODY, section_questions='\n  没有这一节:\n    - 问题？')
    _, problems = check_corpus(tmp_path)
    assert len(problems) == 1
    assert problems[0].line == 8 and "no '### 没有这一节' under '## 参考答案'" in problems[0].message
    assert "要点; 第二点" in problems[0].message


def test_bad_reviewed_date_is_an_error(tmp_path):
    write_answer(tmp_path, "9.1", "问题", BODY, reviewed="November")
    _, problems = check_corpus(tmp_path)
    assert any("'reviewed' must be a month like" in p.message for p in problems)
