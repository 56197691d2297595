"""A mock-interview round: N questions in a row, each scored and saved as it is answered, then a report.

Questions are drawn as an interviewer would ask them: a main question (overdue first, then never
practised in a shuffled order, then the one due soonest), then often a follow-up on that answer (one
of its ``section_questions``, which name the section that answers them), then the next main question.
Each answer is stored when it is given, so a round left halfway keeps what was answered. A follow-up is
kept as one of your own questions when it is answered.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..search.searcher import SearchResponse
from ..search.verdict import VerdictRule
from .errors import PracticeInputError
from .history import now_utc
from .keypoints import Reference
from .own import FOLLOW_UP, OwnQuestion, follow_up_sections, own_reference
from .schedule import queue
from .scoring import PointResult
from .session import Practice, Submission

DEFAULT_QUESTIONS = 5
MIN_QUESTIONS, MAX_QUESTIONS = 3, 10
WEAKEST_SHOWN = 5
DUE_SHOWN = 5
KINDS = {"due": "到期 due", "new": "新题 new", "soonest": "复习 review", "follow-up": "追问 follow-up"}


@dataclass(frozen=True)
class RoundQuestion:
    """One question of a round: its reference, why it was drawn, and (a follow-up) what to store."""

    reference: Reference
    kind: str  # due, new, soonest (main questions) or follow-up
    follow_up: OwnQuestion | None = None
    asked_after: str = ""  # the main question a follow-up digs into


def question_count(value: object) -> int:
    """A round's size from user input: a whole number from 3 to 10.

    Raises:
        PracticeInputError: anything else (the message names the range).
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise PracticeInputError(f"a round has {MIN_QUESTIONS}–{MAX_QUESTIONS} questions, got {value!r:.40}")
    if not MIN_QUESTIONS <= value <= MAX_QUESTIONS:
        raise PracticeInputError(f"a round has {MIN_QUESTIONS}–{MAX_QUESTIONS} questions, got {int(value)}")
    return int(value)


def plan_round(
    practice: Practice,
    count: int = DEFAULT_QUESTIONS,
    part: int | None = None,
    search: Callable[[str], SearchResponse] | None = None,
    rule: VerdictRule | None = None,
    seed: int | None = None,
    when: datetime | None = None,
) -> MockRound:
    """Draw a round of ``count`` questions (of ``part`` when given).

    ``search`` and ``rule`` (the finder's) add the sections that help with a follow-up to its own
    section; without them a follow-up has its own section only.
    """
    count = question_count(count)
    rng = random.Random(seed)
    ids = [r.question_id for r in practice.questions(part)]
    if part is None:
        ids += [r.question_id for r in practice.own_questions() if r.key_points]
    if not ids:
        raise PracticeInputError(f"part {part} has no questions in the bank")
    rng.shuffle(ids)
    order = queue(ids, practice.history.due_dates(), when or now_utc())
    drawn: list[RoundQuestion] = []
    for qid, kind in order:
        if len(drawn) == count:
            break
        drawn.append(RoundQuestion(practice.question(qid), kind))
        if len(drawn) < count and rng.random() < 0.6:
            follow = _follow_up(practice, qid, search, rule, rng)
            if follow is not None:
                drawn.append(follow)
    while len(drawn) < count:  # a small part: ask its questions again
        drawn.append(drawn[len(drawn) % len(order)])
    return MockRound(practice, drawn)


def _follow_up(
    practice: Practice,
    question_id: str,
    search: Callable[[str], SearchResponse] | None,
    rule: VerdictRule | None,
    rng: random.Random,
) -> RoundQuestion | None:
    choices = practice.follow_ups(question_id)
    if not choices:
        return None
    section, question = rng.choice(choices)
    response = search(question) if search is not None and rule is not None else None
    sections = follow_up_sections(section, response, rule) if rule is not None else (section,)
    own = OwnQuestion("", question, FOLLOW_UP, sections)
    return RoundQuestion(own_reference(own, practice.references()), FOLLOW_UP, own, question_id)


@dataclass
class MockRound:
    """The questions of one round and the answers given so far (one round per page or terminal)."""

    practice: Practice
    questions: list[RoundQuestion]
    submissions: list[Submission | None] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: now_utc().isoformat(timespec="seconds"))

    @property
    def position(self) -> int:
        """How many questions have been answered or skipped."""
        return len(self.submissions)

    @property
    def done(self) -> bool:
        return self.position >= len(self.questions)

    @property
    def current(self) -> RoundQuestion | None:
        return None if self.done else self.questions[self.position]

    def answer(self, text: str, seconds: float | None = None) -> Submission:
        """Score and save the answer to the current question, then move on.

        Raises:
            PracticeInputError: the round is over, or the answer is empty (nothing is saved; the
                question stays current).
        """
        question = self.current
        if question is None:
            raise PracticeInputError("this round is over: start a new one. 本轮已结束，请开始新一轮。")
        self.practice.clean(text)  # an empty answer is refused before a follow-up is stored
        reference = question.reference
        if question.follow_up is not None:
            reference = self.practice.keep(question.follow_up)
            self.questions[self.position] = RoundQuestion(reference, question.kind, None, question.asked_after)
        submission = self.practice.submit(reference.question_id, text, seconds)
        self.submissions.append(submission)
        return submission

    def skip(self) -> None:
        """Move past the current question without answering it."""
        if not self.done:
            self.submissions.append(None)

    def report(self) -> RoundReport:
        """The round so far: each question's coverage and delivery, the weakest points, what is due next."""
        rows = [(q, self.submissions[i] if i < len(self.submissions) else None) for i, q in enumerate(self.questions)]
        weak: dict[tuple[str, int], tuple[Reference, PointResult]] = {}
        for q, s in rows:
            for point in s.feedback.points if s is not None else ():
                key = (point.path, point.start_line)  # a bank point asked twice (a follow-up) is listed once
                if point.status != "covered" and (key not in weak or point.score < weak[key][1].score):
                    weak[key] = (q.reference, point)
        weakest = sorted(weak.values(), key=lambda pair: pair[1].score)
        practised = [(ref, p) for ref, p in self.practice.progress() if p is not None and p.due]
        practised.sort(key=lambda pair: pair[1].due)
        due = [(ref, p.due) for ref, p in practised[:DUE_SHOWN]]
        return RoundReport(self.started_at, rows, weakest[:WEAKEST_SHOWN], due)


@dataclass(frozen=True)
class RoundReport:
    """What a round showed: per question coverage and delivery, the weakest points, the next reviews."""

    started_at: str
    rows: list[tuple[RoundQuestion, Submission | None]]
    weakest: list[tuple[Reference, PointResult]]
    due_next: list[tuple[Reference, str]]

    @property
    def answered(self) -> list[Submission]:
        return [s for _, s in self.rows if s is not None]

    @property
    def mean_coverage(self) -> int | None:
        answered = self.answered
        return round(sum(s.feedback.coverage for s in answered) / len(answered)) if answered else None

    def to_dict(self) -> dict:
        """The JSON shape of ``rag mock --json``."""
        return {
            "started_at": self.started_at,
            "answered": len(self.answered),
            "questions": len(self.rows),
            "mean_coverage": self.mean_coverage,
            "rows": [
                {
                    "question_id": q.reference.question_id,
                    "question": q.reference.question,
                    "kind": q.kind,
                    "coverage": s.feedback.coverage if s else None,
                    "delivery": s.feedback.delivery.to_dict() if s else None,
                }
                for q, s in self.rows
            ],
            "weakest": [
                {"question_id": ref.question_id, **point.to_dict()} for ref, point in self.weakest
            ],
            "due_next": [{"question_id": ref.question_id, "question": ref.question, "due": due}
                         for ref, due in self.due_next],
        }

    def to_markdown(self, corpus_root: str = "corpus", links: bool = True) -> str:
        """The report as a Markdown file: links to the bank's files are relative to the project folder
        (``links=False``: the file and lines as code, for a page that cannot open them)."""
        mean = self.mean_coverage
        lines = [
            f"# 模拟面试报告 Mock round report ({self.started_at[:16].replace('T', ' ')} UTC)",
            "",
            f"Answered {len(self.answered)} of {len(self.rows)}"
            + (f" · mean coverage 平均覆盖率 {mean}/100" if mean is not None else ""),
            "",
            "| # | Question 问题 | Kind | Coverage | Aloud | Fillers | Direct opening | Stance |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for number, (q, s) in enumerate(self.rows, 1):
            title = _cell(f"{q.reference.question_id} {q.reference.question}".strip())
            if s is None:
                lines.append(f"| {number} | {title} | {KINDS[q.kind]} | not answered | | | | |")
                continue
            d = s.feedback.delivery
            opening, stance = ("yes" if flag else "no" for flag in (d.opens_directly, d.closes_with_stance))
            lines.append(
                f"| {number} | {title} | {KINDS[q.kind]} | {s.feedback.coverage} | {d.speaking_seconds} s | "
                f"{d.filler_count} | {opening} | {stance} |"
            )
        lines += ["", "## 最需要补的点 Weakest points", ""]
        if not self.weakest:
            lines.append("Every point of the answered questions was covered.")
        for ref, point in self.weakest:
            where = f"{corpus_root}/{point.path}"
            lines_ = f"{where}:{point.start_line}–{point.end_line}"
            link = f"[{lines_}]({where}#L{point.start_line})" if links else f"`{lines_}`"
            lines.append(
                f"- **{point.title}** ({point.status}, question {ref.question_id}) — say: {point.reference_sentence} "
                f"{link}"
            )
        lines += ["", "## 接下来复习 Due next", ""]
        lines += [f"- {due[:10]} · {ref.question_id} {ref.question}" for ref, due in self.due_next] or [
            "Nothing practised yet."
        ]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
