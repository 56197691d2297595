"""Practice as a service: pick a question, score an answer, store the attempt, schedule the next review.

One ``Practice`` serves the CLI and every page session: the embedder is the one the index uses (loaded
once per process and shared with search), the reference vectors are embedded once, and the corpus is
re-read when a file changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..search.query import clean_query, strip_invisible, truncated_notice
from ..search.searcher import SearchResponse
from ..search.verdict import MATCH, RELATED, VerdictRule
from .bank import PracticeBank
from .errors import PracticeInputError
from .history import Attempt, History, Progress, now_utc
from .keypoints import Reference
from .own import SEARCH, OwnQuestion, SectionRef, helping_sections, is_own_id, own_reference
from .schedule import ReviewSchedule, next_question
from .scoring import Feedback, Scorer

HISTORY_FILE = "practice.sqlite3"
EMPTY_ANSWER = "The answer is empty: nothing was scored or saved. 回答为空，未评分也未保存。"
NO_PRACTICE = (
    "题库没有覆盖这道题，无法练习 Nothing in the bank covers this question, so there are no key points to practise "
    "it against: {reason}"
)
ANSWER_CLEANED = "Invisible or invalid characters were removed from the answer. 已移除回答中的不可见或无效字符。"
EMPTY_QUESTION = "The question is empty: type a question to practise. 问题为空，请输入要练习的问题。"


@dataclass(frozen=True)
class Submission:
    """A scored and stored attempt, with when the question is due again."""

    feedback: Feedback
    attempt: Attempt
    due: str

    def to_dict(self) -> dict:
        """Feedback plus the stored attempt: the JSON of ``rag practice --json``."""
        return {
            **self.feedback.to_dict(),
            "attempt": {"id": self.attempt.id, "created_at": self.attempt.created_at, "seconds": self.attempt.seconds},
            "next_due": self.due,
        }


class Practice:
    """Questions, scoring, history and schedule over one configuration."""

    def __init__(self, config: Config, history: History | None = None, bank: PracticeBank | None = None):
        self.config = config
        self.data_dir = config.data_dir.resolve()  # fixed now: a server's working folder may change later
        self.history = history or History(self.data_dir / HISTORY_FILE)
        self.bank = bank or PracticeBank(config, self.data_dir)
        self.thresholds = self.bank.thresholds
        self.schedule = ReviewSchedule()

    def with_history(self, history: History) -> Practice:
        """The same bank and scorer over another history (one per browser on a shared server)."""
        return Practice(self.config, history, self.bank)

    def references(self) -> dict[str, Reference]:
        """Every bank question's reference, in bank order (``PracticeBank.references``)."""
        return self.bank.references()

    def scorer(self) -> Scorer:
        """The scorer, built on first use (``PracticeBank.scorer``)."""
        return self.bank.scorer()

    def question(self, question_id: str) -> Reference:
        """The reference of one question: the bank's, or one of your own (``own-N``).

        Raises:
            PracticeInputError: the id is neither in the bank nor one of yours (the error names it).
        """
        references = self.references()
        if is_own_id(question_id):
            own = self.history.own(question_id)
            if own is None:
                raise PracticeInputError(
                    f"question {question_id!r} is not one of your questions (removed, or never added)"
                )
            return own_reference(own, references)
        if question_id not in references:
            known = ", ".join(references)
            raise PracticeInputError(f"question {question_id!r} is not in the bank; choose one of {known}")
        return references[question_id]

    def own_questions(self) -> list[Reference]:
        """Your own questions, oldest first (one whose sections left the bank has no key points)."""
        references = self.references()
        return [own_reference(own, references, strict=False) for own in self.history.own_questions()]

    def follow_ups(self, question_id: str) -> list[tuple[SectionRef, str]]:
        """The interviewer-style questions one bank answer's sections answer: ((id, key point), question)."""
        return self.bank.follow_ups(question_id)

    def _question_text(self, question: str) -> str:
        limit = self.config.max_query_chars
        text, notice = clean_query(question, limit)
        if not text:
            raise PracticeInputError(EMPTY_QUESTION)
        if truncated_notice(limit) in notice:
            raise PracticeInputError(self._too_long())
        return text

    def _too_long(self) -> str:
        limit = self.config.max_query_chars
        return (f"The question is longer than {limit} characters: shorten it to practise it. "
                f"问题超过 {limit} 字，请缩短后再练习。")

    def keep(self, own: OwnQuestion) -> Reference:
        """Store a question of your own (or find it stored) and return its reference.

        Raises:
            PracticeInputError: empty or over-long question, or none of its sections is in the bank.
        """
        own = OwnQuestion("", self._question_text(own.question), own.origin, own.sections)
        own_reference(own, self.references())  # refuse before storing anything
        return own_reference(self.history.add_own(own), self.references())

    def from_search(self, response: SearchResponse, rule: VerdictRule) -> Reference:
        """The question to practise for a search: the bank's for ``match``; for ``related`` one of your
        own, its key points borrowed from the sections that help (stored in the history).

        Raises:
            PracticeInputError: the verdict is ``none`` (the message says why), or the question is unusable.
        """
        if truncated_notice(self.config.max_query_chars) in response.notice:
            raise PracticeInputError(self._too_long())
        if response.verdict == MATCH and response.results:
            return self.question(response.results[0].question_id)
        sections = helping_sections(response, rule) if response.verdict == RELATED else ()
        if not sections:
            raise PracticeInputError(NO_PRACTICE.format(reason=response.reason or "no section is close enough"))
        return self.keep(OwnQuestion("", response.query, SEARCH, sections))

    def remove(self, question_id: str) -> int:
        """Delete one of your own questions with its attempts; return how many attempts went.

        Raises:
            PracticeInputError: it is not one of your questions (bank questions cannot be removed).
        """
        count = self.history.remove_own(question_id)
        if count is None:
            raise PracticeInputError(f"question {question_id!r} is not one of your questions: nothing was removed")
        return count

    def questions(self, part: int | None = None) -> list[Reference]:
        """Bank questions in order, of one part when given."""
        return [r for r in self.references().values() if part is None or r.part == part]

    def pick(self, question_id: str | None = None, part: int | None = None) -> tuple[Reference, str]:
        """The question to practise and why (``chosen``, ``due``, ``new`` or ``soonest``).

        Without an id, the next due question is picked (of ``part`` when given).
        """
        if question_id:
            return self.question(question_id), "chosen"
        candidates = [r.question_id for r in self.questions(part)]
        if part is None:
            candidates += [r.question_id for r in self.own_questions() if r.key_points]
        if not candidates:
            raise PracticeInputError(f"part {part} has no questions in the bank")
        chosen, reason = next_question(candidates, self.history.due_dates(), now_utc())
        return self.question(chosen), reason

    @staticmethod
    def _visible(answer: object) -> tuple[str, bool]:
        """The answer with the query cleaner's rules, line breaks kept: (text, whether anything was removed)."""
        raw = answer if isinstance(answer, str) else ""
        return strip_invisible(raw.replace("\r\n", "\n"), keep_lines=True)

    def clean(self, answer: str) -> tuple[str, str]:
        """The answer to score and a notice (characters removed, truncation), or an error for an empty one.

        The query cleaner's rules apply (line breaks kept): control, format and lone-surrogate characters
        are removed, so an answer of only invisible characters is empty and nothing is stored.
        """
        text, removed = self._visible(answer)
        text = text.strip()
        if not text:
            raise PracticeInputError(EMPTY_ANSWER)
        notices = [ANSWER_CLEANED] if removed else []
        limit = self.config.practice_max_answer_chars
        if len(text) > limit:
            text = text[:limit]
            notices.append(
                f"The answer was longer than {limit} characters; only the first {limit} were scored and saved. "
                f"回答超过 {limit} 字，只评分并保存了前 {limit} 字。"
            )
        return text, " ".join(notices)

    def prepare(self, answer: str) -> int:
        """Embed the finished sentences of an answer being typed, so that submitting it is quick.

        Nothing is stored; returns how many sentences are ready (0 for an empty answer).
        """
        text = self._visible(answer)[0].lstrip()
        text = text[: self.config.practice_max_answer_chars]  # the end stays: it tells a finished sentence
        return self.scorer().prepare(text) if text.strip() else 0

    def feedback(self, question_id: str, answer: str) -> Feedback:
        """Score an answer without storing it."""
        reference = self.question(question_id)
        text, notice = self.clean(answer)
        return self.scorer().score(reference, text, notice)

    def submit(
        self, question_id: str, answer: str, seconds: float | None = None, when: datetime | None = None
    ) -> Submission:
        """Score an answer, store the attempt and reschedule its question, in one transaction.

        Raises:
            PracticeInputError: empty answer or unknown question (nothing is stored).
            HistoryError: the history file cannot be written (it is left as it was).
        """
        feedback = self.feedback(question_id, answer)
        when = when or now_utc()
        attempt, due = self.history.record(
            question_id,
            feedback.answer,
            feedback.coverage,
            feedback.missed,
            None if seconds is None else round(float(seconds), 1),
            lambda card: self.schedule.review(card, feedback.coverage, when),
            when,
        )
        return Submission(feedback, attempt, due)

    def progress(self) -> list[tuple[Reference, Progress | None]]:
        """Every bank question, then each of your own, with its record so far (None when never practised)."""
        done = self.history.progress()
        bank = [(ref, done.get(qid)) for qid, ref in self.references().items()]
        return bank + [(ref, done.get(ref.question_id)) for ref in self.own_questions()]

    def forget(self) -> int:
        """Delete the whole practice history (and answer sentences cached in memory); return how many
        attempts were deleted."""
        count = self.history.forget()
        self.bank.forget_answers()
        return count

    @property
    def history_file(self) -> Path:
        return self.history.path
