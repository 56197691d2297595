"""Which key points an answer covers, measured with the multilingual embedder.

Every sentence of the answer is compared with every reference sentence of the whole bank. A
similarity counts in standard deviations above what that answer sentence scores against the bank
on average (a z-score), so an English sentence matched against Chinese references is judged on the
same scale as a Chinese one (an English sentence gets a small bonus on top), and a vague sentence
that resembles everything a little stands out nowhere. A key point's score is its best sentence pair,
weighted 3:1 with its second-best matched reference sentence (a point said fully matches several of
its sentences). Thresholds calibrated with ``rag eval-practice --calibrate`` turn the score into
covered / partly / missed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from ..text.tokenize import CJK
from .delivery import Delivery, analyse
from .keypoints import KeyPoint, Reference, split_sentences
from .vectors import SentenceVectors

STATUSES = ("covered", "partly", "missed")
MIN_REFERENCE_CHARS = 8  # shorter reference lines ("主要成因：") are lead-ins, not content
SENTENCE_ENDS = ("。", "！", "？", "!", "?", "；", ";", ".", "\n")
# An English sentence matched against the (Chinese) bank peaks lower than the same content in Chinese:
# its z-scores get this much more (on the tune half: covered/missed 104 -> 105 of 112, and 101 -> 102 with
# thresholds chosen leaving each question out).
ENGLISH_BONUS = 0.15
LATIN_WORD = re.compile(r"[A-Za-z]+")


def is_english(sentence: str) -> bool:
    """More English words than Chinese characters (a Chinese sentence may use English terms)."""
    return len(LATIN_WORD.findall(sentence)) > len(CJK.findall(sentence))


@dataclass(frozen=True)
class Thresholds:
    """Point scores (z units) at which a key point counts as partly and as fully covered."""

    partly: float
    covered: float

    def status(self, score: float) -> str:
        return "covered" if score >= self.covered else "partly" if score >= self.partly else "missed"

    def credit(self, score: float) -> float:
        """A point's share of the coverage score: 0 well below ``partly``, 0.5 at it, 1 from ``covered``."""
        if score >= self.covered:
            return 1.0
        if score >= self.partly:
            return 0.5 + 0.5 * (score - self.partly) / max(self.covered - self.partly, 1e-9)
        return max(0.0, 0.5 * (1.0 - (self.partly - score)))


@dataclass(frozen=True)
class PointResult:
    """One key point of the reference and how the answer covered it."""

    title: str
    status: str
    score: float
    answer_sentence: str  # the answer's sentence that covers it ("" when missed)
    reference_sentence: str  # the reference sentence it matched (for a missed point: what to say)
    path: str
    start_line: int
    end_line: int
    in_spoken: bool  # the two-minute spoken version makes this point

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Feedback:
    """Everything said about one answer: key points, coverage 0–100, delivery."""

    question_id: str
    question: str
    answer: str
    coverage: int
    points: list[PointResult]
    delivery: Delivery
    rubric: list[str] = field(default_factory=list)
    url: str = ""
    notice: str = ""

    @property
    def missed(self) -> list[str]:
        return [p.title for p in self.points if p.status == "missed"]

    def to_dict(self) -> dict:
        """The JSON shape of ``rag practice --json`` (docs/practice.md)."""
        data = {
            "question_id": self.question_id,
            "question": self.question,
            "coverage": self.coverage,
            "points": [p.to_dict() for p in self.points],
            "delivery": self.delivery.to_dict(),
            "rubric": self.rubric,
            "url": self.url,
        }
        if self.notice:
            data["notice"] = self.notice
        return data


@dataclass(frozen=True)
class _Column:
    """One reference sentence in the bank matrix: which question and key point it belongs to."""

    question_id: str
    point: int  # index into the reference's key points, -1 for a sentence attached to none
    text: str


def _usable(sentences: tuple[str, ...]) -> list[str]:
    kept = [s for s in sentences if len(s) >= MIN_REFERENCE_CHARS and not s.endswith(("：", ":"))]
    return kept or list(sentences)


class Scorer:
    """Scores answers against the references of a bank with one embedder (vectors cached once)."""

    def __init__(self, references: dict[str, Reference], vectors: SentenceVectors, thresholds: Thresholds):
        self.references = references
        self.vectors = vectors
        self.thresholds = thresholds
        self._columns: list[_Column] = []
        for ref in references.values():
            for i, point in enumerate(ref.key_points):
                self._columns += [_Column(ref.question_id, i, s) for s in _usable(point.sentences)]
        self._bank = vectors.passages([c.text for c in self._columns])
        self._spoken_points: dict[str, set[int]] = {}
        self._attach_spoken()
        self._by_point: dict[tuple[str, int], np.ndarray] = {}
        for position, column in enumerate(self._columns):
            self._by_point.setdefault((column.question_id, column.point), []).append(position)
        self._by_point = {key: np.array(value) for key, value in self._by_point.items()}

    def _attach_spoken(self) -> None:
        """Spoken-version sentences join the key point whose reference sentence they match best.

        A spoken sentence whose best match is in another question (an opening, a bridge) is kept in
        the background only, attached to no point.
        """
        spoken = [(ref.question_id, s) for ref in self.references.values() for s in ref.spoken]
        if not spoken:
            return
        vectors = self.vectors.passages([s for _, s in spoken])
        best = np.argmax(vectors @ self._bank.T, axis=1)
        for (qid, text), position in zip(spoken, best):
            column = self._columns[position]
            point = column.point if column.question_id == qid else -1
            self._columns.append(_Column(qid, point, text))
            if point >= 0:
                self._spoken_points.setdefault(qid, set()).add(point)
        self._bank = np.vstack([self._bank, vectors])

    def prepare(self, answer: str) -> int:
        """Embed the finished sentences of an answer still being typed (the last one may change).

        Scoring the answer later only embeds what is new. Returns how many sentences are ready.
        """
        sentences = split_sentences(answer)
        if sentences and not answer.rstrip(" \t").endswith(SENTENCE_ENDS):
            sentences = sentences[:-1]
        self.vectors.encode(sentences)
        return len(sentences)

    def point_scores(self, reference: Reference, sentences: list[str]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Per key point: its score, and the (answer sentence, bank column) of its best pair."""
        vectors = self.vectors.encode(sentences)
        similarity = vectors @ self._bank.T
        spread = np.maximum(similarity.std(axis=1, keepdims=True), 1e-6)
        z = (similarity - similarity.mean(axis=1, keepdims=True)) / spread
        z += ENGLISH_BONUS * np.array([[is_english(s)] for s in sentences], dtype=np.float32)
        scores, pairs = [], []
        for i, point in enumerate(reference.key_points):
            columns = self._by_point[point.origin or (reference.question_id, i)]
            block = z[:, columns]
            per_reference = np.sort(block.max(axis=0))[::-1]
            second = per_reference[1] if len(per_reference) > 1 else per_reference[0]
            scores.append(0.75 * per_reference[0] + 0.25 * second)
            row, col = np.unravel_index(int(np.argmax(block)), block.shape)
            pairs.append((int(row), int(columns[col])))
        return np.array(scores), pairs

    def score(self, reference: Reference, answer: str, notice: str = "") -> Feedback:
        """Feedback on a non-empty answer to ``reference``'s question."""
        sentences = split_sentences(answer) or [answer.strip()]
        scores, pairs = self.point_scores(reference, sentences)
        points = [
            self._result(point.path or reference.path, point, self._in_spoken(reference, i), float(score), sentences,
                         pair)
            for i, (point, score, pair) in enumerate(zip(reference.key_points, scores, pairs))
        ]
        coverage = round(100 * float(np.mean([self.thresholds.credit(float(s)) for s in scores])))
        opening_on_topic = any(p.status != "missed" and p.answer_sentence == sentences[0] for p in points)
        return Feedback(
            question_id=reference.question_id,
            question=reference.question,
            answer=answer,
            coverage=coverage,
            points=points,
            delivery=analyse(answer, opening_on_topic),
            rubric=list(reference.rubric),
            url=reference.url,
            notice=notice,
        )

    def _in_spoken(self, reference: Reference, index: int) -> bool:
        """Whether the two-minute spoken version (of the answer the point comes from) makes this point."""
        qid, i = reference.key_points[index].origin or (reference.question_id, index)
        return i in self._spoken_points.get(qid, set())

    def knows(self, reference: Reference) -> bool:
        """Whether every key point of ``reference`` is one this scorer has reference sentences for."""
        return all(
            (p.origin or (reference.question_id, i)) in self._by_point for i, p in enumerate(reference.key_points)
        )

    def _result(
        self, path: str, point: KeyPoint, in_spoken: bool, score: float, sentences: list[str], pair: tuple[int, int]
    ) -> PointResult:
        status = self.thresholds.status(score)
        said = status != "missed"
        return PointResult(
            title=point.title,
            status=status,
            score=round(score, 3),
            answer_sentence=sentences[pair[0]] if said else "",
            reference_sentence=self._columns[pair[1]].text if said else _usable(point.sentences)[0],
            path=path,
            start_line=point.start_line,
            end_line=point.end_line,
            in_spoken=in_spoken,
        )
