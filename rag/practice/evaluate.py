"""How well practice scoring agrees with people: pair order of strong/partial/weak answers, point labels.

The scoring set (``eval/practice.yaml``) holds, per question, three answers labelled strong, partial
and weak, and for each answer the key points it covers fully or partly. A question the bank has no
answer for (``eval/practice-unexpected.yaml``) is given by its text (``ask``) and the bank sections its
key points are borrowed from (``sections``, ``"4.1 › 推理成本占收入多少才健康"``: what the finder
returned for it when the set was written), labelled by the borrowed points' titles (``4.1 推理成本…``).
Questions are split into a ``tune`` half (thresholds are chosen there) and a ``report`` half (only
measured); a held-out set has only ``report`` questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..bank.outline import PATH_SEPARATOR
from ..errors import ConfigError
from .keypoints import Reference, split_sentences
from .own import FOLLOW_UP, OwnQuestion, own_reference
from .scoring import Scorer, Thresholds

LEVELS = ("strong", "partial", "weak")
SPLITS = ("tune", "report")
ORDERED_PAIRS = (("strong", "partial"), ("strong", "weak"), ("partial", "weak"))
# "partly" labels do not separate cleanly from either side, so the best cuts can all but meet; a band of
# this many z units keeps the partly mark in use (it cost 1.7 points of covered/missed agreement on tune).
MIN_PARTLY_BAND = 0.15


@dataclass(frozen=True)
class PracticeCase:
    """One labelled answer: every key point of its question carries covered, partly or missed."""

    question_id: str
    split: str
    level: str
    lang: str
    text: str
    labels: tuple[str, ...]  # in the order of the reference's key points
    reference: Reference | None = None  # a question of one's own (``ask``); None for a bank question


@dataclass(frozen=True)
class PracticeMetrics:
    """Agreement of the scorer with the labels on one part of the set."""

    split: str
    answers: int
    pairs: int
    pairs_ordered: int
    clear_points: int  # key points labelled covered or missed
    clear_agreed: int
    points: int
    mentioned_agreed: int  # covered-or-partly vs missed, on every point
    exact_agreed: int  # covered / partly / missed all three

    @property
    def pair_accuracy(self) -> float:
        return self.pairs_ordered / self.pairs if self.pairs else 0.0

    @property
    def clear_agreement(self) -> float:
        return self.clear_agreed / self.clear_points if self.clear_points else 0.0

    @property
    def mentioned_agreement(self) -> float:
        return self.mentioned_agreed / self.points if self.points else 0.0

    @property
    def exact_agreement(self) -> float:
        return self.exact_agreed / self.points if self.points else 0.0


def _labels(ref: Reference, entry: dict, where: str) -> tuple[str, ...]:
    labels = ["missed"] * len(ref.key_points)
    for status in ("covered", "partly"):
        names = entry.get(status) or []
        if not isinstance(names, list):
            raise ConfigError(f"{where}: '{status}' must be a list of key point headings")
        for name in names:
            found = ref.find(str(name))
            if len(found) != 1:
                titles = ", ".join(k.title for k in ref.key_points)
                problem = "matches no key point" if not found else "matches several key points"
                raise ConfigError(f"{where}: '{name}' {problem} of {ref.question_id} ({titles})")
            labels[ref.key_points.index(found[0])] = status
    return tuple(labels)


def load_practice_set(path: Path, references: dict[str, Reference]) -> list[PracticeCase]:
    """Read the scoring set, naming the file, question and answer of any error.

    Raises:
        ConfigError: unreadable file, unknown question id, or a label that names no key point.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read practice set {path}: {exc}") from exc
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not questions:
        raise ConfigError(f"{path}: expected a non-empty list under 'questions'")
    cases = []
    for n, question in enumerate(questions, start=1):
        if isinstance(question, dict) and "ask" in question:
            reference = _asked(question, references, f"{path}: question #{n}")
        else:
            qid = str(question.get("id", "")) if isinstance(question, dict) else ""
            if qid not in references:
                raise ConfigError(f"{path}: question #{n}: id {qid!r} is not in the bank")
            reference = references[qid]
        qid = reference.question_id
        split = question.get("split")
        if split not in SPLITS:
            raise ConfigError(f"{path}: question {qid}: 'split' must be one of {', '.join(SPLITS)}")
        for m, entry in enumerate(question.get("answers") or [], start=1):
            where = f"{path}: question {qid}, answer #{m}"
            if not isinstance(entry, dict) or not str(entry.get("text", "")).strip():
                raise ConfigError(f"{where}: needs a non-empty 'text'")
            if entry.get("level") not in LEVELS:
                raise ConfigError(f"{where}: 'level' must be one of {', '.join(LEVELS)}")
            labels = _labels(reference, entry, where)
            cases.append(PracticeCase(qid, split, entry["level"], str(entry.get("lang", "zh")), entry["text"], labels,
                                      reference if reference.own else None))
    return cases


def _asked(question: dict, references: dict[str, Reference], where: str) -> Reference:
    """The reference of a question given by its text and the bank sections its key points come from."""
    text, names = str(question.get("ask") or "").strip(), question.get("sections")
    if not text or not isinstance(names, list) or not names:
        raise ConfigError(f"{where}: an 'ask' question needs its text and a list of 'sections' (\"4.1 › title\")")
    sections = []
    for name in names:
        qid, _, title = str(name).partition(PATH_SEPARATOR)
        reference = references.get(qid.strip())
        if reference is None or not any(p.title == title.strip() for p in reference.key_points):
            raise ConfigError(f"{where}: section {name!r} is not a key point of the bank (write \"2.5 › title\")")
        sections.append((qid.strip(), title.strip()))
    # An id of its own keeps pair order per question (no two asked questions share one).
    number = where.rsplit("#", 1)[-1]
    return own_reference(OwnQuestion(f"ask-{number}", text, FOLLOW_UP, tuple(sections)), references)


def point_scores(scorer: Scorer, cases: list[PracticeCase]) -> list[np.ndarray]:
    """Each case's key point scores (the slow part: one embedding call per answer)."""
    return [
        scorer.point_scores(c.reference or scorer.references[c.question_id], split_sentences(c.text))[0]
        for c in cases
    ]


def splits_of(cases: list[PracticeCase]) -> list[str]:
    """The splits a set has, in order, and ``all`` when it has more than one."""
    present = [split for split in SPLITS if any(c.split == split for c in cases)]
    return present + ["all"] if len(present) > 1 else present


def measure(cases: list[PracticeCase], scores: list[np.ndarray], thresholds: Thresholds, split: str) -> PracticeMetrics:
    """Agreement figures for the cases of one split (``all`` for every case)."""
    chosen = [(c, s) for c, s in zip(cases, scores) if split in ("all", c.split)]
    coverage = {(c.question_id, c.level): np.mean([thresholds.credit(float(x)) for x in s]) for c, s in chosen}
    pairs = ordered = 0
    for qid in dict.fromkeys(c.question_id for c, _ in chosen):
        for high, low in ORDERED_PAIRS:
            if (qid, high) in coverage and (qid, low) in coverage:
                pairs += 1
                ordered += bool(coverage[(qid, high)] > coverage[(qid, low)])
    clear = clear_ok = points = mentioned_ok = exact_ok = 0
    for case, case_scores in chosen:
        for label, score in zip(case.labels, case_scores):
            status = thresholds.status(float(score))
            points += 1
            exact_ok += status == label
            mentioned_ok += (status == "missed") == (label == "missed")
            if label != "partly":
                clear += 1
                clear_ok += status == label
    return PracticeMetrics(split, len(chosen), pairs, ordered, clear, clear_ok, points, mentioned_ok, exact_ok)


def _best_cut(values: list[tuple[float, bool]]) -> float:
    """The threshold that best separates positives (True) from the rest: middle of the best gap."""
    ordered = sorted(v for v, _ in values)
    cuts = [(a + b) / 2 for a, b in zip(ordered, ordered[1:]) if b > a] or ordered[:1]
    accuracy = [np.mean([(v >= cut) == positive for v, positive in values]) for cut in cuts]
    best = max(accuracy)
    plateau = [cut for cut, acc in zip(cuts, accuracy) if acc == best]
    return float(plateau[len(plateau) // 2])


def calibrate(cases: list[PracticeCase], scores: list[np.ndarray], split: str = "tune") -> Thresholds:
    """Thresholds from the labels of one split: ``partly`` best separates mentioned from missed
    points, ``covered`` best separates covered points from the rest, at least ``MIN_PARTLY_BAND`` above."""
    pairs = [(float(s), label) for c, cs in zip(cases, scores) if split in ("all", c.split) for s, label in
             zip(cs, c.labels)]
    if not pairs:
        raise ConfigError(f"no {split} cases to calibrate on")
    partly = _best_cut([(s, label != "missed") for s, label in pairs])
    covered = _best_cut([(s, label == "covered") for s, label in pairs])
    return Thresholds(round(partly, 2), round(max(covered, partly + MIN_PARTLY_BAND), 2))


def format_metrics(rows: list[PracticeMetrics]) -> str:
    """A fixed-width table of the figures, one row per split."""
    head = (
        f"{'split':8s} {'answers':>7s} {'pair order':>14s} {'covered/missed':>16s} "
        f"{'mentioned/missed':>18s} {'3-way':>14s}"
    )
    lines = [head, "-" * len(head)]
    for m in rows:
        lines.append(
            f"{m.split:8s} {m.answers:7d} {m.pair_accuracy:6.3f} ({m.pairs_ordered:2d}/{m.pairs:2d}) "
            f"{m.clear_agreement:6.3f} ({m.clear_agreed:3d}/{m.clear_points:3d}) "
            f"{m.mentioned_agreement:6.3f} ({m.mentioned_agreed:3d}/{m.points:3d}) "
            f"{m.exact_agreement:6.3f} ({m.exact_agreed:3d}/{m.points:3d})"
        )
    return "\n".join(lines)
