"""Choose the verdict rule's thresholds on labelled sets (see ``rag.verdict``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import ConfigError
from .evalsets import ANSWERABLE, NOT_COVERED, REPHRASING, LabelledQuery
from .search import Searcher
from .verdict import NONE, Signals, VerdictRule

MARGIN_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
KNOWN_WORDS_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
# Telling a candidate that nothing fits when a section does is the costlier mistake (they stop looking),
# and a rule chosen on one set flags more answerable questions on the next: keep well under the 15 % target.
MAX_ANSWERABLE_NONE = 0.10


@dataclass(frozen=True)
class Calibration:
    """The verdict rule that best separates the kinds of queries on a set, with its balanced accuracies.

    ``match_accuracy``: rephrasings given ``match`` vs not-covered queries not given it.
    ``none_accuracy``: not-covered queries given ``none`` vs answerable unexpected ones not given it.
    """

    rule: VerdictRule
    match_accuracy: float
    none_accuracy: float


def _balanced(signals: list[Signals], wanted: list[bool | None], predicate: Callable[[Signals], bool]) -> float:
    """Mean of the hit rates of the two classes (``wanted`` True/False; None: not counted)."""
    pos = [predicate(s) for s, w in zip(signals, wanted) if w is True]
    neg = [not predicate(s) for s, w in zip(signals, wanted) if w is False]
    if not pos or not neg:
        return 0.0
    return (sum(pos) / len(pos) + sum(neg) / len(neg)) / 2


def _share_where(flags: list[bool], classes: list[bool | None], wanted: bool) -> float:
    """The share of True ``flags`` among the items whose class is ``wanted``."""
    chosen = [f for f, c in zip(flags, classes) if c is wanted]
    return sum(chosen) / len(chosen) if chosen else 0.0


def _cuts(values: list[float]) -> list[float]:
    """Candidate thresholds: half-way between neighbouring observed values."""
    ordered = sorted(set(values))
    return [round((a + b) / 2, 4) for a, b in zip(ordered, ordered[1:])] or ordered


def calibrate_verdicts(
    searcher: Searcher, queries: list[LabelledQuery], max_answerable_none: float = MAX_ANSWERABLE_NONE
) -> Calibration:
    """Choose the match rule, then the related rule (threshold and weights), by balanced accuracy.

    The match rule is chosen on rephrasings (should be ``match``) against not-covered queries
    (should not); the related threshold on not-covered queries (should be ``none``) against
    answerable unexpected questions (should not), given that match rule, among the rules that
    give ``none`` to at most ``max_answerable_none`` of the answerable ones.

    Raises:
        ConfigError: the sets lack rephrasings, answerable or not-covered queries.
    """
    kinds = {q.kind for q in queries}
    if REPHRASING not in kinds or not kinds & set(NOT_COVERED):
        raise ConfigError("calibration needs rephrasings (a question-level set) and not-covered queries")
    if ANSWERABLE not in kinds:
        raise ConfigError("calibration needs answerable unexpected questions (a section-level set)")
    signals = [r.signals for r in searcher.search_batch([q.query for q in queries], k=1)]
    is_match = [True if q.kind == REPHRASING else False if q.kind in NOT_COVERED else None for q in queries]
    is_none = [True if q.kind in NOT_COVERED else False if q.kind == ANSWERABLE else None for q in queries]
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)  # accuracy, threshold, weight
    for weight in MARGIN_WEIGHTS:
        fits = [s.wording + weight * s.wording_margin for s in signals]
        for cut in _cuts(fits):
            accuracy = _balanced(signals, is_match, lambda s, c=cut, w=weight: s.wording + w * s.wording_margin >= c)
            if accuracy > best[0] + 1e-9:
                best = (accuracy, cut, weight)
    match_accuracy, match_threshold, weight = best
    chosen: tuple[float, VerdictRule] = (-1.0, VerdictRule(match_threshold, weight, 0.0))
    for lead_weight in MARGIN_WEIGHTS:
        for words_weight in KNOWN_WORDS_WEIGHTS:
            fits = [s.section + lead_weight * s.section_lead + words_weight * s.known_words for s in signals]
            for cut in _cuts(fits):
                rule = VerdictRule(match_threshold, weight, cut, lead_weight, words_weight)
                said_none = [rule.decide(s) == NONE for s in signals]
                if _share_where(said_none, is_none, False) > max_answerable_none:
                    continue
                accuracy = _balanced(signals, is_none, lambda s, r=rule: r.decide(s) == NONE)
                if accuracy > chosen[0] + 1e-9:
                    chosen = (accuracy, rule)
    return Calibration(chosen[1], match_accuracy, chosen[0])
