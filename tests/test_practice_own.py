"""Practising a question the bank has no prepared answer for: key points borrowed from the sections that help."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from rag.practice import PracticeInputError
from rag.practice.history import History
from rag.practice.own import FOLLOW_UP, OwnQuestion, helping_sections, key_point_title, own_reference
from rag.search.verdict import MATCH, NONE, RELATED

UNEXPECTED = "AIGC产品怎么控制推理成本？"  # published on interview pages; the bank has no such question
ANSWER = (
    "推理成本要控制在收入的两到三成以内，毛利守住六成以上。我们用模型路由，简单问题走小模型，再加语义缓存。"
    "所以我认为成本要从第一版就设计进去。"
)


@pytest.fixture
def unexpected(real_searcher):
    response = real_searcher.search(UNEXPECTED, k=6)
    assert response.verdict == RELATED, response.reason
    return response


def test_related_question_borrows_the_sections_that_pass_the_bar(e5_practice, real_searcher, unexpected):
    rule = real_searcher.verdict_rule
    reference = e5_practice.from_search(unexpected, rule)
    sections = helping_sections(unexpected, rule)
    assert reference.own and reference.question_id == "own-1" and reference.question == UNEXPECTED
    assert 1 <= len(reference.key_points) == len(sections) <= 4
    shown = {(r.question_id, key_point_title(r.section)): r.score for r in unexpected.results}
    for point, (qid, title) in zip(reference.key_points, sections):
        assert point.title == f"{qid} {title}" and point.source_id == qid  # labelled with its source answer
        assert point.path == e5_practice.question(qid).path and point.start_line > 0  # and linked to it
        assert rule.helps(unexpected.signals, shown[(qid, title)])
    left_out = [r for r in unexpected.results if (r.question_id, key_point_title(r.section)) not in sections]
    assert all(not rule.helps(unexpected.signals, r.score) for r in left_out) or len(sections) == 4


def test_own_question_is_scored_saved_scheduled_and_listed_after_the_bank(e5_practice, real_searcher, unexpected):
    reference = e5_practice.from_search(unexpected, real_searcher.verdict_rule)
    submission = e5_practice.submit(reference.question_id, ANSWER, seconds=40)
    points = submission.feedback.points
    assert points[0].title.startswith("4.1 ") and points[0].status != "missed"  # the pricing red line is said
    assert {p.path for p in points} > {points[0].path}  # points from several answers, each with its own file
    rows = e5_practice.progress()
    bank = len(e5_practice.questions())
    assert [r.question_id for r, _ in rows[bank:]] == ["own-1"]
    assert rows[-1][1].attempts == 1 and rows[-1][1].last_coverage == submission.feedback.coverage
    again = e5_practice.from_search(unexpected, real_searcher.verdict_rule)
    assert again.question_id == "own-1"  # the same question is not added twice


def test_match_practises_the_bank_question(e5_practice, real_searcher):
    response = real_searcher.search("你们是怎么避免机器人出现幻觉的？")
    assert response.verdict == MATCH
    reference = e5_practice.from_search(response, real_searcher.verdict_rule)
    assert not reference.own and reference.question_id == "2.5"
    assert e5_practice.history.own_questions() == []


def test_none_offers_no_practice_and_says_why(e5_practice, real_searcher):
    response = real_searcher.search("如何用SQL查询第二高的薪水？")
    assert response.verdict == NONE
    with pytest.raises(PracticeInputError, match="Nothing in the bank covers") as error:
        e5_practice.from_search(response, real_searcher.verdict_rule)
    assert response.reason in str(error.value)
    assert e5_practice.history.own_questions() == []


def test_over_long_and_empty_questions_are_refused(e5_practice, real_searcher):
    sections = (("4.1", "推理成本占收入多少才健康"),)
    limit = e5_practice.config.max_query_chars
    with pytest.raises(PracticeInputError, match=f"longer than {limit}"):
        e5_practice.keep(OwnQuestion("", "成本" * limit, FOLLOW_UP, sections))
    with pytest.raises(PracticeInputError, match="empty"):
        e5_practice.keep(OwnQuestion("", " \u200b ", FOLLOW_UP, sections))
    searched = real_searcher.search("推理成本怎么控制？" * 60)  # searched, but cut at the limit
    with pytest.raises(PracticeInputError, match=f"longer than {limit}"):
        e5_practice.from_search(searched, real_searcher.verdict_rule)
    assert e5_practice.history.own_questions() == []


def test_remove_one_own_question_and_unknown_ids(e5_practice, real_searcher, unexpected):
    reference = e5_practice.from_search(unexpected, real_searcher.verdict_rule)
    e5_practice.submit("2.5", "幻觉就是模型编造内容。")
    e5_practice.submit(reference.question_id, ANSWER)
    assert e5_practice.remove(reference.question_id) == 1
    assert e5_practice.history.own_questions() == [] and e5_practice.history.attempts(reference.question_id) == []
    assert len(e5_practice.history.attempts("2.5")) == 1  # the bank question's attempt stays
    for gone in ("own-1", "own-99", "2.5"):
        with pytest.raises(PracticeInputError, match="not one of your questions"):
            e5_practice.remove(gone)
    with pytest.raises(PracticeInputError, match="not one of your questions"):
        e5_practice.submit("own-1", ANSWER)
    assert e5_practice.from_search(unexpected, real_searcher.verdict_rule).question_id == "own-2"  # ids not reused


def test_forget_deletes_own_questions_too(e5_practice, real_searcher, unexpected):
    reference = e5_practice.from_search(unexpected, real_searcher.verdict_rule)
    e5_practice.submit(reference.question_id, ANSWER)
    assert e5_practice.forget() == 1
    assert e5_practice.history.own_questions() == [] and e5_practice.progress()[-1][0].question_id == "4.8"


def test_sections_that_left_the_bank_give_a_clear_error(e5_practice):
    own = OwnQuestion("own-3", "一个问题？", FOLLOW_UP, (("2.5", "一个已删除的小节"),))
    with pytest.raises(PracticeInputError, match="no longer has the sections.*2.5 一个已删除的小节"):
        own_reference(own, e5_practice.references())
    kept = own_reference(replace(own, sections=(*own.sections, ("2.5", "幻觉的监控指标"))), e5_practice.references())
    assert [p.title for p in kept.key_points] == ["2.5 幻觉的监控指标"]


def test_a_first_edition_history_file_gains_own_questions(tmp_path):
    path = tmp_path / "practice.sqlite3"
    with sqlite3.connect(path) as db:  # the version-1 schema, with one attempt
        db.executescript(
            "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, question_id TEXT NOT NULL, answer TEXT "
            "NOT NULL, coverage INTEGER NOT NULL, missed TEXT NOT NULL, seconds REAL, created_at TEXT NOT NULL);"
            "CREATE TABLE cards (question_id TEXT PRIMARY KEY, card TEXT NOT NULL, due TEXT NOT NULL);"
            "INSERT INTO attempts (question_id, answer, coverage, missed, seconds, created_at) "
            "VALUES ('2.5', 'old', 50, '[]', NULL, '2026-11-01T00:00:00+00:00');"
        )
    history = History(path)
    stored = history.add_own(OwnQuestion("", "新问题？", FOLLOW_UP, (("2.5", "幻觉的监控指标"),)))
    assert stored.id == "own-1" and history.own("own-1") == stored
    assert [a.answer for a in history.attempts()] == ["old"]
