"""The verdict rule and its calibration on labelled queries (no index needed)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from rag.errors import ConfigError
from rag.evaluation.calibrate import calibrate_verdicts
from rag.evaluation.evalsets import ANSWERABLE, OUT_OF_SCOPE, REPHRASING, UNCOVERED, LabelledQuery
from rag.search.ranking import RankedSection, top_overlap
from rag.search.verdict import MATCH, NONE, RELATED, Signals, VerdictRule

RULE = VerdictRule(match_threshold=0.9, match_margin_weight=1.0, related_threshold=0.85, concept_weight=0.05)


@pytest.mark.parametrize(
    ("signals", "verdict"),
    [
        (Signals(wording=0.88, wording_margin=0.03, section=0.8), MATCH),  # 0.88 + 0.03 reaches 0.9
        (Signals(wording=0.88, wording_margin=0.01, section=0.86), RELATED),
        (Signals(wording=0.88, wording_margin=0.01, section=0.82, concept=1.0), RELATED),  # 0.82 + 0.05
        (Signals(wording=0.88, wording_margin=0.01, section=0.82, concept=0.0), NONE),
    ],
)
def test_the_rule_decides_from_the_signals(signals, verdict):
    assert RULE.decide(signals) == verdict


@dataclass
class _Response:
    signals: Signals


class _FixedSignals:
    """Stands in for a Searcher: each query's signals are given."""

    def __init__(self, by_query: dict[str, Signals]):
        self.by_query = by_query

    def search_batch(self, queries: list[str], k: int = 5) -> list[_Response]:
        return [_Response(self.by_query[q]) for q in queries]


def _query(text: str, kind: str, lang: str = "zh") -> LabelledQuery:
    return LabelledQuery(text, lang, kind)


def _labelled() -> tuple[list[LabelledQuery], dict[str, Signals]]:
    """Rephrasings with close wordings; answerable questions near a section; uncovered ones about as near,
    but nearer still to a question the bank does not answer: only that separates the last two."""
    queries, signals = [], {}
    for i in range(10):
        queries.append(_query(f"rephrasing {i}", REPHRASING))
        signals[f"rephrasing {i}"] = Signals(wording=0.95 + i / 1000, wording_margin=0.05, section=0.9)
        queries.append(_query(f"answerable {i}", ANSWERABLE))
        signals[f"answerable {i}"] = Signals(wording=0.8, wording_margin=0.0, section=0.84 + i / 1000)
        queries.append(_query(f"uncovered {i}", UNCOVERED if i % 2 else OUT_OF_SCOPE))
        signals[f"uncovered {i}"] = Signals(
            wording=0.8, wording_margin=0.0, section=0.845 + i / 1000, not_covered=0.9
        )
    return queries, signals


def test_calibration_finds_the_signal_that_separates_the_kinds():
    queries, signals = _labelled()
    calibration = calibrate_verdicts(_FixedSignals(signals), queries)
    assert calibration.match_accuracy == 1.0
    assert calibration.none_accuracy == 1.0
    assert calibration.rule.related_not_covered_weight > 0
    verdicts = {q.query: calibration.rule.decide(signals[q.query]) for q in queries}
    assert all(verdicts[q.query] == {REPHRASING: MATCH, ANSWERABLE: RELATED}.get(q.kind, NONE) for q in queries)


def test_calibration_keeps_answerable_questions_told_none_under_the_limit():
    queries, signals = _labelled()
    # Answerable questions spread from far to near, uncovered ones all far: the cut that separates them
    # best tells 3 of the 10 answerable questions "none", more than a limit of 20 % allows.
    for i in range(10):
        signals[f"answerable {i}"] = Signals(wording=0.8, section=0.70 + 0.02 * i)
        signals[f"uncovered {i}"] = Signals(wording=0.8, section=0.70 + 0.005 * i)
    answerable = [q.query for q in queries if q.kind == ANSWERABLE]

    def told_none(limit: float) -> int:
        rule = calibrate_verdicts(_FixedSignals(signals), queries, max_answerable_none=limit).rule
        return sum(rule.decide(signals[q]) == NONE for q in answerable)

    assert told_none(1.0) == 3
    assert told_none(0.2) == 2


def test_calibration_keeps_rephrasings_told_none_rarer_still():
    queries, signals = _labelled()
    # A rephrasing whose wording misses the match rule and whose section looks uncovered: any rule
    # that calls it "related" also calls some uncovered questions "related".
    signals["rephrasing 0"] = Signals(wording=0.8, section=0.845, section_wording=0.85)
    rule = calibrate_verdicts(_FixedSignals(signals), queries).rule
    assert rule.decide(signals["rephrasing 0"]) == RELATED


def test_calibration_tells_a_section_question_from_the_banks_own():
    queries, signals = _labelled()
    # Answerable questions as close to the answer's wordings as rephrasings are, but closer still to a
    # question one section answers: only that contrast keeps them from being called a match.
    for i in range(10):
        signals[f"rephrasing {i}"] = Signals(wording=0.93 + i / 1000, section=0.9, section_wording=0.9)
        signals[f"answerable {i}"] = Signals(wording=0.93 + i / 1000, section=0.9, section_wording=0.96, concept=1.0)
        signals[f"uncovered {i}"] = replace(signals[f"uncovered {i}"], section_wording=0.8)
    rule = calibrate_verdicts(_FixedSignals(signals), queries).rule
    assert rule.match_contrast_weight > 0
    assert all(rule.decide(signals[f"rephrasing {i}"]) == MATCH for i in range(10))
    assert all(rule.decide(signals[f"answerable {i}"]) != MATCH for i in range(10))


def test_calibration_limits_answerable_questions_told_none_in_each_language():
    queries, signals = _labelled()
    # Chinese answerable questions are clearly covered; English ones come out less similar and overlap
    # the uncovered ones. Pooled, 2 English in 10 told "none" would pass a 10 % limit (2 of 20).
    for i in range(10):
        signals[f"answerable {i}"] = Signals(wording=0.8, section=0.95)
        queries.append(_query(f"english {i}", ANSWERABLE, "en"))
        signals[f"english {i}"] = Signals(wording=0.8, section=0.70 + 0.01 * i)
        signals[f"uncovered {i}"] = Signals(wording=0.8, section=0.70 + 0.0105 * i)
    rule = calibrate_verdicts(_FixedSignals(signals), queries, max_answerable_none=0.1).rule
    assert sum(rule.decide(signals[f"english {i}"]) == NONE for i in range(10)) <= 1


def test_the_rule_explains_each_score_against_its_threshold():
    match_line, related_line = RULE.explain(Signals(wording=0.88, wording_margin=0.01, section=0.82, concept=1.0))
    assert match_line.startswith("match score 0.890 < 0.9: wording 0.880 + lead over the next question 0.010")
    assert related_line.startswith("related score 0.870 ≥ 0.85: section 0.820")
    assert "0.05 × names a glossary word 1.000" in related_line
    assert "known words" not in related_line  # weight 0: not part of the rule


def test_the_rule_describes_itself_with_its_weights():
    assert RULE.describe() == (
        "match when wording + lead over the next question >= 0.9, "
        "else related when section + 0.05 × names a glossary word >= 0.85, else none"
    )


def test_a_subtracted_term_is_written_with_a_minus_sign():
    rule = replace(RULE, match_not_covered_weight=4.0)
    said = rule.describe()
    assert "wording + lead over the next question − 4 × closer to a not-covered question >= 0.9" in said
    assert "+ -" not in said and "+ −" not in said


def test_top_overlap_is_the_share_of_shared_sections():
    def ranking(*keys: str) -> list[RankedSection]:
        return [RankedSection(("2.5", key), 0, 0.9, "answer") for key in keys]

    assert top_overlap(ranking("a", "b", "c"), ranking("c", "d", "a"), 3) == pytest.approx(2 / 3)
    assert top_overlap(ranking("a", "b"), ranking("c", "d"), 2) == 0.0
    assert top_overlap(ranking("a", "b", "c"), ranking("a", "x", "y"), 1) == 1.0


def test_calibration_needs_each_kind_of_query():
    queries, signals = _labelled()
    with pytest.raises(ConfigError, match="answerable"):
        calibrate_verdicts(_FixedSignals(signals), [q for q in queries if q.kind != ANSWERABLE])
    with pytest.raises(ConfigError, match="rephrasings"):
        calibrate_verdicts(_FixedSignals(signals), [q for q in queries if q.kind != REPHRASING])


def test_the_not_covered_lead_is_measured_against_every_prepared_question():
    """A query close to some question's wording is not "closer to a not-covered question than to the bank"
    because the best-ranked question happens to be another one, farther away."""
    signals = Signals(wording=0.85, section_wording=0.86, closest_wording=0.93, not_covered=0.90)
    assert float(signals.not_covered_lead) == 0.0
    assert float(Signals(wording=0.85, section_wording=0.86, not_covered=0.90).not_covered_lead) == pytest.approx(0.04)
