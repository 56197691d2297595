"""Review scheduling with FSRS: coverage to rating, due dates, which question comes next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from rag.practice import ReviewSchedule, next_question, rating_for

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_coverage_maps_to_ratings():
    assert [rating_for(c) for c in (0, 34, 35, 59, 60, 79, 80, 100)] == [
        Rating.Again, Rating.Again, Rating.Hard, Rating.Hard, Rating.Good, Rating.Good, Rating.Easy, Rating.Easy
    ]


def test_better_answers_come_back_later_and_repeated_success_stretches_the_interval():
    schedule = ReviewSchedule()
    due = {c: datetime.fromisoformat(schedule.review(None, c, NOW)[1]) for c in (10, 50, 70, 95)}
    assert NOW < due[10] <= due[50] < due[70] < due[95]
    card, first = schedule.review(None, 70, NOW)
    first = datetime.fromisoformat(first)
    _, second = schedule.review(card, 70, first)
    assert datetime.fromisoformat(second) - first > first - NOW
    _, after_failure = schedule.review(card, 5, first)
    assert datetime.fromisoformat(after_failure) < datetime.fromisoformat(second)


def test_same_history_same_dates():
    assert ReviewSchedule().review(None, 70, NOW) == ReviewSchedule().review(None, 70, NOW)


def test_next_question_prefers_overdue_then_new_then_soonest():
    ids = ["1.1", "1.2", "1.3"]
    day = timedelta(days=1)
    iso = lambda t: t.isoformat()  # noqa: E731
    assert next_question(ids, {}, NOW) == ("1.1", "new")
    assert next_question(ids, {"1.1": iso(NOW + day)}, NOW) == ("1.2", "new")
    overdue = {"1.1": iso(NOW - day), "1.2": iso(NOW - 2 * day)}
    assert next_question(ids, overdue, NOW) == ("1.2", "due")
    later = {"1.1": iso(NOW + 3 * day), "1.2": iso(NOW + day), "1.3": iso(NOW + 2 * day)}
    assert next_question(ids, later, NOW) == ("1.2", "soonest")


def test_practice_next_moves_on_after_an_attempt(hash_practice):
    first, why = hash_practice.pick()
    assert (first.question_id, why) == ("1.1", "new")
    hash_practice.submit("1.1", "AIGC是人工智能生成内容。")
    second, why = hash_practice.pick()
    assert (second.question_id, why) == ("1.2", "new")
    in_part, _ = hash_practice.pick(part=3)
    assert in_part.question_id == "3.1"
    chosen, why = hash_practice.pick("2.5")
    assert (chosen.question_id, why) == ("2.5", "chosen")
