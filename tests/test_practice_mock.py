"""A mock-interview round: what is drawn, answers saved as they come, a round left halfway, the report."""

from __future__ import annotations

import re
import threading

import pytest

from rag.practice import PracticeInputError
from rag.practice.mock import plan_round, question_count
from rag.practice.own import FOLLOW_UP

ANSWER = (
    "我会先明确目标用户和场景，再定义评估指标，比如准确率和转人工率。我们上线后准确率从七成提升到九成。"
    "所以我认为要先有测试集再迭代。"
)


def rounds(practice, searcher, count=5, seed=7, part=None):
    return plan_round(practice, count, part, lambda q: searcher.search(q, k=6), searcher.verdict_rule, seed)


def test_a_round_has_n_questions_with_follow_ups_on_their_own_sections(e5_practice, real_searcher):
    mock = rounds(e5_practice, real_searcher, count=7)
    assert len(mock.questions) == 7 and mock.questions[0].kind == "new"
    follow_ups = [q for q in mock.questions if q.kind == FOLLOW_UP]
    assert follow_ups, "a round of seven asks at least one follow-up"
    for question in follow_ups:
        asked = e5_practice.follow_ups(question.asked_after)
        section = next(s for s, text in asked if text == question.reference.question)  # a bank section question
        first = question.reference.key_points[0]
        assert (first.source_id, first.source_index) == (
            section[0], [p.title for p in e5_practice.question(section[0]).key_points].index(section[1])
        )
        assert 1 <= len(question.reference.key_points) <= 3
    mains = [q.reference.question_id for q in mock.questions if q.kind != FOLLOW_UP]
    assert len(set(mains)) == len(mains)
    assert [q.reference.question for q in rounds(e5_practice, real_searcher, count=7).questions] == [
        q.reference.question for q in mock.questions
    ]  # the same seed draws the same round


def test_overdue_questions_come_first(e5_practice, real_searcher):
    from datetime import UTC, datetime, timedelta

    past = datetime.now(UTC) - timedelta(days=3)
    e5_practice.submit("3.2", ANSWER, when=past - timedelta(days=30))
    mock = rounds(e5_practice, real_searcher, count=3)
    assert mock.questions[0].reference.question_id == "3.2" and mock.questions[0].kind == "due"


@pytest.mark.parametrize("bad", [2, 11, 3.5, "5", True, None])
def test_round_size_is_checked(bad):
    with pytest.raises(PracticeInputError, match="3–10 questions"):
        question_count(bad)


def test_a_full_round_saves_every_answer_and_reports(e5_practice, real_searcher):
    mock = rounds(e5_practice, real_searcher, count=3, seed=1)
    asked = [q.reference.question for q in mock.questions]
    for _ in asked:
        mock.answer(ANSWER, seconds=30)
    assert mock.done and mock.current is None
    report = mock.report()
    assert len(report.answered) == 3 and report.mean_coverage is not None
    stored = e5_practice.history.attempts()
    assert len(stored) == 3 and {a.answer for a in stored} == {ANSWER}
    scores = [p.score for _, p in report.weakest]
    assert scores == sorted(scores) and all(p.status != "covered" for _, p in report.weakest)
    assert len({(p.path, p.start_line) for _, p in report.weakest}) == len(report.weakest)
    assert report.due_next and all(due >= report.started_at for _, due in report.due_next)
    markdown = report.to_markdown()
    assert "Answered 3 of 3" in markdown and len(re.findall(r"^\| \d \|", markdown, re.M)) == 3  # a row each
    for question in asked:
        assert question in markdown
    assert "## 最需要补的点 Weakest points" in markdown and "](corpus/part" in markdown
    follow = [q for q in mock.questions if q.kind == FOLLOW_UP]
    assert all(q.reference.question_id.startswith("own-") for q in follow)  # kept as your own when answered
    with pytest.raises(PracticeInputError, match="round is over"):
        mock.answer(ANSWER)


def test_a_round_left_halfway_keeps_what_was_answered(e5_practice, real_searcher):
    mock = rounds(e5_practice, real_searcher, count=5, seed=3)
    mock.answer(ANSWER)
    with pytest.raises(PracticeInputError, match="empty"):
        mock.answer(" \n ")
    assert mock.position == 1  # an empty answer saves nothing and the question stays
    mock.skip()
    report = mock.report()
    assert len(e5_practice.history.attempts()) == 1
    assert "Answered 1 of 5" in report.to_markdown() and report.to_markdown().count("not answered") == 4
    unanswered = [q for q in mock.questions[1:] if q.kind == FOLLOW_UP]
    stored = {o.question for o in e5_practice.history.own_questions()}
    assert not stored & {q.reference.question for q in unanswered}  # follow-ups never answered are not kept
    assert report.to_dict()["answered"] == 1 and report.to_dict()["rows"][1]["coverage"] is None


def test_two_rounds_at_once_lose_nothing(e5_practice, real_searcher):
    rounds_ = [rounds(e5_practice, real_searcher, count=3, seed=s) for s in (11, 12)]
    errors = []

    def run(mock):
        try:
            while not mock.done:
                mock.answer(ANSWER)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in rounds_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(e5_practice.history.attempts()) == 6
