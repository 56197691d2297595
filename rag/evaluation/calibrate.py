"""Choose the verdict rule's thresholds on labelled sets (see ``rag.search.verdict``)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from itertools import product

import numpy as np

from ..errors import ConfigError
from ..search.searcher import Searcher
from ..search.verdict import Signals, VerdictRule
from .evalsets import ANSWERABLE, NOT_COVERED, REPHRASING, LabelledQuery

MARGIN_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
KNOWN_WORDS_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
# Calibrated to 0 on every tuning set so far (issue 8): fixed, so the grid can search the not-covered weights.
CONCEPT_WEIGHTS = (0.0,)
AGREEMENT_WEIGHTS = (0.0, 0.02, 0.05, 0.075, 0.1, 0.15, 0.2)
CONTRAST_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
LATIN_WEIGHTS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1)
NOT_COVERED_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
# Rephrasings of the bank's questions should be recognised as such. Issue 8 asked for 90 %; on questions as
# interviewers publish them (eval/real-dev.yaml) that floor bought a quarter of non-bank questions a false
# "this is a prepared question" (0.242), against 0.169 at 80 % — and a rephrasing told `related` still gets
# its answer on top (R@1 0.93), while a false `match` leads with an answer to another question (issue 16).
MIN_REPHRASING_MATCH = 0.80
# Telling a candidate that nothing fits when a section does is the costlier mistake (they stop looking),
# and a rule chosen on one set flags more answerable questions on the next: keep well under the 15 % target.
MAX_ANSWERABLE_NONE = 0.10
# A rephrasing is one of the bank's own questions: telling it "nothing covers this" is worse still.
MAX_REPHRASING_NONE = 0.02


@dataclass(frozen=True)
class Calibration:
    """The verdict rule that best separates the kinds of queries on a set, with its balanced accuracies.

    ``match_accuracy``: the mean of three rates: rephrasings given ``match``, answerable unexpected
    questions not given it, not-covered queries not given it.
    ``none_accuracy``: not-covered queries given ``none`` vs answerable unexpected ones not given it.
    """

    rule: VerdictRule
    match_accuracy: float
    none_accuracy: float


def _balanced_rates(predicted: np.ndarray, wanted: list[bool | None]) -> np.ndarray:
    """Per candidate rule (rows of ``predicted``): the mean of the hit rates of the two classes.

    ``wanted`` is True/False per query (None: not counted); 0.0 when a class is missing.
    """
    pos = np.array([w is True for w in wanted])
    neg = np.array([w is False for w in wanted])
    if not pos.any() or not neg.any():
        return np.zeros(predicted.shape[0])
    return (predicted[:, pos].mean(axis=1) + (~predicted[:, neg]).mean(axis=1)) / 2


def _cuts(values: np.ndarray) -> np.ndarray:
    """Candidate thresholds: half-way between neighbouring observed values."""
    ordered = np.unique(np.round(values, 6))
    return np.round((ordered[:-1] + ordered[1:]) / 2, 4) if len(ordered) > 1 else ordered


def _best_cut(fits: np.ndarray, said: np.ndarray, wanted: list[bool | None], allowed=None) -> tuple[float, float]:
    """The threshold on ``fits`` with the best balanced accuracy of ``fits < cut`` (and ``said``) against
    ``wanted``, among the cuts ``allowed`` accepts (a function of the predictions): (accuracy, cut)."""
    cuts = _cuts(fits)
    predicted = said[None, :] & (fits[None, :] < cuts[:, None])
    accuracy = _balanced_rates(predicted, wanted)
    if allowed is not None:
        accuracy = np.where(allowed(predicted), accuracy, -1.0)
    best = int(np.argmax(accuracy))
    return float(accuracy[best]), float(cuts[best])


def _match_rule(columns: Signals, kinds: np.ndarray) -> tuple[float, VerdictRule]:
    """The match rule that best tells rephrasings from every other query, among the rules that give
    ``match`` to at least ``MIN_REPHRASING_MATCH`` of the rephrasings: (accuracy, the rule, whose
    related part is still empty)."""
    rephrasing, answerable, not_covered = (kinds == REPHRASING), (kinds == ANSWERABLE), np.isin(kinds, NOT_COVERED)
    best = (-1.0, VerdictRule(0.0, 0.0, 0.0))
    for margin_weight, contrast_weight, gap_weight in product(MARGIN_WEIGHTS, CONTRAST_WEIGHTS, NOT_COVERED_WEIGHTS):
        candidate = VerdictRule(0.0, margin_weight, 0.0, match_contrast_weight=contrast_weight,
                                match_not_covered_weight=gap_weight)
        fits = candidate.match_fit(columns)
        cuts = _cuts(fits)
        said = fits[None, :] >= cuts[:, None]
        recognised = said[:, rephrasing].mean(axis=1)
        accuracy = (recognised + (~said[:, answerable]).mean(axis=1) + (~said[:, not_covered]).mean(axis=1)) / 3
        accuracy = np.where(recognised >= MIN_REPHRASING_MATCH - 1e-12, accuracy, -1.0)
        i = int(np.argmax(accuracy))
        if accuracy[i] > best[0] + 1e-9:
            best = (float(accuracy[i]), replace(candidate, match_threshold=float(cuts[i])))
    return best


def calibrate_verdicts(
    searcher: Searcher, queries: list[LabelledQuery], max_answerable_none: float = MAX_ANSWERABLE_NONE
) -> Calibration:
    """Choose the match rule, then the related rule (threshold and weights), by balanced accuracy.

    The match rule is chosen on rephrasings (should be ``match``) against answerable unexpected and
    not-covered queries (should not), among the rules that recognise ``MIN_REPHRASING_MATCH`` of the
    rephrasings; the related threshold on not-covered queries (should be ``none``) against
    answerable unexpected questions (should not), given that match rule, among the rules that
    give ``none`` to at most ``max_answerable_none`` of the answerable ones in each language and
    ``MAX_REPHRASING_NONE`` of the rephrasings.

    Raises:
        ConfigError: the sets lack rephrasings, answerable or not-covered queries.
    """
    kinds = {q.kind for q in queries}
    if REPHRASING not in kinds or not kinds & set(NOT_COVERED):
        raise ConfigError("calibration needs rephrasings (a question-level set) and not-covered queries")
    if ANSWERABLE not in kinds:
        raise ConfigError("calibration needs answerable unexpected questions (a section-level set)")
    signals = [r.signals for r in searcher.search_batch([q.query for q in queries], k=1)]
    # One array per signal: the rule's own formulas then score every query at once.
    names = [f.name for f in fields(Signals)]
    columns = Signals(**{name: np.array([getattr(s, name) for s in signals], dtype=float) for name in names})
    kind = np.array([q.kind for q in queries])
    is_none = [True if q.kind in NOT_COVERED else False if q.kind == ANSWERABLE else None for q in queries]
    match_accuracy, match_only = _match_rule(columns, kind)
    not_match = match_only.match_fit(columns) < match_only.match_threshold
    lang = np.array([q.lang for q in queries])
    # Each language on its own: English questions come out less similar to the Chinese answers, and a
    # limit on the pooled share let them be told "none" far more often than Chinese ones.
    limits = [(kind == ANSWERABLE) & (lang == code) for code in sorted(set(lang[kind == ANSWERABLE]))]
    limits = [(group, max_answerable_none) for group in limits] + [(kind == REPHRASING, MAX_REPHRASING_NONE)]

    def few_covered_none(predicted: np.ndarray) -> np.ndarray:
        allowed = np.ones(predicted.shape[0], dtype=bool)
        for group, limit in limits:
            if group.any():
                allowed &= predicted[:, group].mean(axis=1) <= limit + 1e-12
        return allowed

    chosen: tuple[float, VerdictRule] = (-1.0, match_only)
    for lead, words, concept, agreement, latin, gap in product(
        MARGIN_WEIGHTS, KNOWN_WORDS_WEIGHTS, CONCEPT_WEIGHTS, AGREEMENT_WEIGHTS, LATIN_WEIGHTS, NOT_COVERED_WEIGHTS
    ):
        candidate = replace(match_only, related_lead_weight=lead, known_words_weight=words, concept_weight=concept,
                            agreement_weight=agreement, latin_weight=latin, related_not_covered_weight=gap)
        accuracy, cut = _best_cut(candidate.related_fit(columns), not_match, is_none, few_covered_none)
        if accuracy > chosen[0] + 1e-9:
            chosen = (accuracy, replace(candidate, related_threshold=cut))
    return Calibration(chosen[1], match_accuracy, chosen[0])
