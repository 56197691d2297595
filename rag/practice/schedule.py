"""When to practise each question again: FSRS (the ``fsrs`` package) with coverage as the rating.

Each question is one FSRS card. An attempt's coverage maps to a rating (below 35 Again, below 60
Hard, below 80 Good, else Easy); there are no same-day learning steps, so the next review is at
least a day later. "Next" picks an overdue question first (the most overdue), then one never
practised (in bank order), then the one due soonest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fsrs import Card, Rating, Scheduler

RATING_FLOORS = ((80, Rating.Easy), (60, Rating.Good), (35, Rating.Hard))


def rating_for(coverage: int) -> Rating:
    """The FSRS rating an attempt with this coverage (0–100) earns."""
    return next((rating for floor, rating in RATING_FLOORS if coverage >= floor), Rating.Again)


class ReviewSchedule:
    """FSRS with whole-day intervals and no random fuzz, so the same history gives the same dates."""

    def __init__(self) -> None:
        self._scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)

    def review(self, card_json: str | None, coverage: int, when: datetime) -> tuple[str, str]:
        """The card after an attempt at ``when`` (UTC): (card JSON, next due as ISO time)."""
        card = Card.from_json(card_json) if card_json else Card(card_id=1, due=when)
        card, _log = self._scheduler.review_card(card, rating_for(coverage), when)
        return card.to_json(), card.due.isoformat(timespec="seconds")


def queue(question_ids: Sequence[str], due: dict[str, str], now: datetime) -> list[tuple[str, str]]:
    """Every question in the order to practise it, with why: ``due`` (most overdue first), then ``new``
    (in the order given), then ``soonest``."""
    when = {qid: datetime.fromisoformat(due[qid]) for qid in question_ids if qid in due}
    overdue = [(qid, "due") for _, qid in sorted((t, qid) for qid, t in when.items() if t <= now)]
    new = [(qid, "new") for qid in question_ids if qid not in when]
    later = [(qid, "soonest") for _, qid in sorted((t, qid) for qid, t in when.items() if t > now)]
    return overdue + new + later


def next_question(question_ids: Sequence[str], due: dict[str, str], now: datetime) -> tuple[str, str]:
    """The question to practise next and why: ``due``, ``new`` or ``soonest``."""
    if not question_ids:
        raise ValueError("no questions to choose from")
    return queue(question_ids, due, now)[0]
