"""Scoring with the real e5-small model: strong beats partial beats weak, across languages; bad input."""

from __future__ import annotations

import re

import pytest

from rag.practice import PracticeInputError, Thresholds
from tests.helpers import write_answer

pytestmark = pytest.mark.slow

# Answers written for these tests (not in eval/practice.yaml), to question 2.7 (AI Agent).
STRONG = (
    "AI Agent是能围绕目标自主规划、调用工具、多步执行任务的系统，可以拆成大模型加规划、记忆和工具使用。"
    "它通常按ReAct循环工作：先思考，再调用工具，观察结果后继续。目前在编程、深度研究和客服办理退换货这些场景效果最好，"
    "因为结果能验证。主要问题是误差累积、成本高、延迟长，每步95%的成功率，十步下来只有六成左右。"
    "所以产品上我会先用固定工作流，只在少数节点放开自主，并在危险操作前加人工确认。"
)
PARTIAL = "Agent就是能自己调用工具完成任务的AI，比如帮你订机票。我觉得以后会很火。"
WEAK = "嗯，Agent我不太了解，好像挺火的，然后很多公司都在做吧。"
ENGLISH = (
    "An AI agent plans steps toward a goal and calls tools such as search or an order API until the task is done. "
    "It runs a ReAct loop: reason, act, observe the result, repeat. The main risks are compounding errors and cost: "
    "at 95 percent per step, ten steps succeed only about 60 percent of the time."
)


def test_strong_partial_weak_are_ordered(e5_practice):
    scores = [e5_practice.feedback("2.7", text).coverage for text in (STRONG, PARTIAL, WEAK)]
    assert scores[0] > scores[1] > scores[2], scores
    assert scores[2] >= 0 and scores[0] <= 100


def test_english_answer_to_a_chinese_reference(e5_practice):
    feedback = e5_practice.feedback("2.7", ENGLISH)
    status = {p.title: p.status for p in feedback.points}
    assert status["工作机制：ReAct 循环与多智能体"] != "missed"
    assert status["Agent 的主要问题"] != "missed"
    assert status["如何评估一个 Agent"] == "missed"
    assert feedback.coverage > e5_practice.feedback("2.7", WEAK).coverage


def test_feedback_shows_matching_sentences_and_where_missed_points_are(e5_practice):
    feedback = e5_practice.feedback("2.7", STRONG)
    covered = [p for p in feedback.points if p.status == "covered"]
    assert covered and all(p.answer_sentence in STRONG and p.reference_sentence for p in covered)
    missed = [p for p in feedback.points if p.status == "missed"]
    assert missed and all(p.answer_sentence == "" and p.reference_sentence for p in missed)
    assert all(p.path == "part2/2.7-ai-agent.md" and p.start_line > 0 for p in feedback.points)
    assert feedback.delivery.numbers == ["95%", "六成"] and feedback.delivery.closes_with_stance
    assert set(feedback.to_dict()) == {"question_id", "question", "coverage", "points", "delivery", "rubric", "url"}


def test_empty_answer_is_refused(e5_practice):
    for empty in ("", "   \n\t  "):
        with pytest.raises(PracticeInputError, match="empty"):
            e5_practice.submit("2.7", empty)
    assert e5_practice.history.attempts() == []


def test_long_answer_is_truncated_with_a_notice(e5_practice):
    limit = e5_practice.config.practice_max_answer_chars
    result = e5_practice.submit("2.7", STRONG * (limit // len(STRONG) + 2))
    assert len(result.feedback.answer) == limit and str(limit) in result.feedback.notice
    assert len(e5_practice.history.attempts()[0].answer) == limit


def test_unknown_question_is_refused_by_name(e5_practice):
    with pytest.raises(PracticeInputError, match=re.escape("'9.9' is not in the bank")):
        e5_practice.submit("9.9", STRONG)
    assert e5_practice.history.attempts() == []


def test_spoken_version_is_used_where_one_exists(tmp_path, practice_vectors):
    import shutil

    from rag import load_config
    from rag.practice import Practice
    from tests.conftest import REPO_CORPUS

    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    path = corpus / "part2" / "2.7-ai-agent.md"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n## 两分钟口述版\n\n*本节为本项目撰写的口述版，不是原文内容。*\n\n"
        "我理解的Agent，是能自己规划、调用工具、把任务做完的AI系统。它的问题是误差会累积，"
        "每步95%的成功率，连续十步只有六成。所以我会先用工作流，在关键节点加人工确认。\n",
        encoding="utf-8",
    )
    shutil.copytree(practice_vectors, tmp_path / "data" / "practice-vectors")
    practice = Practice(load_config(corpus=corpus, index=tmp_path / "index", data_dir=tmp_path / "data"))
    feedback = practice.feedback("2.7", STRONG)
    flagged = {p.title for p in feedback.points if p.in_spoken}
    assert "Agent 的主要问题" in flagged and len(flagged) < len(feedback.points)
    assert not any(p.title.endswith("口述版") for p in feedback.points)


def test_credit_is_continuous_and_matches_the_marks():
    t = Thresholds(partly=3.0, covered=3.5)
    assert (t.status(3.6), t.status(3.2), t.status(2.0)) == ("covered", "partly", "missed")
    assert t.credit(3.5) == 1.0 and t.credit(3.0) == 0.5 and t.credit(2.0) == 0.0
    assert 0.5 < t.credit(3.25) < 1.0 and 0.0 < t.credit(2.5) < 0.5


def test_plumbing_with_the_hash_embedder(hash_practice, tmp_path):
    """Scoring, storing and rescheduling run end to end without a real model."""
    write_answer(hash_practice.config.corpus, "9.1", "测试问题？")
    result = hash_practice.submit("9.1", "答案正文。", seconds=12.34)
    assert result.attempt.seconds == 12.3 and result.attempt.question_id == "9.1"
    assert [p.title for p in result.feedback.points] == ["要点"]
    assert hash_practice.history.due_dates()["9.1"] == result.due


def test_sentences_prepared_while_typing_are_not_embedded_again(hash_practice):
    """The page embeds finished sentences as the answer is typed; submitting embeds only what is new,
    and deleting the history also drops the answer sentences cached in memory."""
    from rag.index.embedders.shared import shared_queries

    write_answer(hash_practice.config.corpus, "9.1", "测试问题？")
    cache = shared_queries(hash_practice.scorer().vectors.embedder)
    assert hash_practice.prepare("  ") == 0
    assert hash_practice.prepare("第一句话说完了。第二句还在") == 1
    assert hash_practice.prepare("第一句话说完了。第二句也说完了。") == 2
    before = cache.stats.misses
    hash_practice.submit("9.1", "第一句话说完了。第二句也说完了。第三句。")
    assert cache.stats.misses - before == 1
    hash_practice.forget()
    assert cache.cached() == 0


def test_english_sentences_are_told_from_chinese_ones_with_english_terms():
    from rag.practice.scoring import is_english

    assert is_english("It runs a ReAct loop: reason, act, observe.")
    assert not is_english("我们用RAG检索知识库，只依据资料回答并标注引用。")
    assert not is_english("RAG和Fine-tuning各有优劣。")


def test_invisible_and_invalid_characters_are_cleaned_like_a_query(e5_practice):
    feedback = e5_practice.feedback("2.5", "幻觉就是模型编造内容\ud800。\u200b我们用RAG检索知识库。")
    assert "removed from the answer" in feedback.notice and "\ud800" not in feedback.answer
    assert "\n" in e5_practice.clean("第一句。\r\n第二句。")[0]  # line breaks are kept
    assert e5_practice.prepare("幻觉\ud800就是模型编造内容。还没") == 1  # no UnicodeEncodeError in the engine
    for invisible in ("\u200b\u200b\ufeff", "\x00\x01\x02", " \ud800 "):
        with pytest.raises(PracticeInputError, match="empty"):
            e5_practice.submit("2.5", invisible)
    assert e5_practice.history.attempts() == []
