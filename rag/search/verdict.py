"""The verdict on a query: one of the bank's questions, related to some sections, or not covered."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

MATCH = "match"  # the query is one of the bank's questions (or a rephrasing): show its answer
RELATED = "related"  # no prepared answer to this exact question, but these sections help
NONE = "none"  # nothing in the bank covers it; the nearest sections are shown de-emphasised
VERDICTS = (MATCH, RELATED, NONE)
Term = tuple[float, str, Any]  # weight, name, value (a float, or an array of them when calibrating)


@dataclass(frozen=True)
class Signals:
    """What the verdict is decided from, all cosine similarities in 0–1.

    Attributes:
        wording: the best question's similarity over its own wordings (question, aliases).
        wording_margin: that similarity minus the runner-up question's.
        section: the best-ranked section's similarity (its text or its section questions).
        section_lead: how far the best chunk stands out: its similarity minus the mean of the
            nearest chunks'. A question the bank covers is close to a few chunks; one it does not
            cover is a little close to many.
        known_words: the share of the query's keywords that occur anywhere in the bank (0–1); a
            question about something the bank never mentions (MoE, pricing) has unknown words.
        concept: 1.0 when the query names one of the bank's concepts (a term of its glossary), else
            0.0 (1.0 when the bank has no glossary). A question that names none ("how do we price
            it?", "ASR word error rate") is seldom covered however close its wording comes.
        agreement: the share of the top 5 sections that the keyword ranking and the embedding
            ranking have in common. When the bank covers a question both find the same sections;
            when it does not, each finds something different that is a little alike.
        section_wording: the best similarity to a question one section answers (the sections'
            ``section_questions``). A query closer to one of those than to its answer's own wordings
            asks about a part of an answer, not the bank's question.
        latin_query: 1.0 when the query has no Chinese in it, else 0.0. The answers are Chinese: an
            English question comes out less similar to the section that answers it, and shares
            fewer keywords with it, than the same question asked in Chinese.
        not_covered: the best similarity to a question the bank does not answer
            (``corpus/not-covered.yaml``); 0.0 without that list.
        closest_wording: the best similarity to any question's own wordings (``wording`` is the best-ranked
            question's, which another question's wording may beat); 0.0 counts as ``wording``.
    """

    wording: float = 0.0
    wording_margin: float = 0.0
    section: float = 0.0
    section_lead: float = 0.0
    known_words: float = 0.0
    concept: float = 0.0
    agreement: float = 0.0
    section_wording: float = 0.0
    latin_query: float = 0.0
    not_covered: float = 0.0
    closest_wording: float = 0.0

    @property
    def closest_prepared(self):
        """The best similarity to anything the bank prepared: any question's wordings, any section question."""
        return np.maximum(np.maximum(self.wording, self.closest_wording), self.section_wording)

    @property
    def not_covered_lead(self):
        """How much closer the query is to a question the bank does not answer than to any it prepared;
        0 when it is not closer."""
        return np.maximum(self.not_covered - self.closest_prepared, 0.0)


@dataclass(frozen=True)
class VerdictRule:
    """``match`` when the match score (the weighted sum of ``match_terms``) reaches match_threshold;
    else ``related`` when the related score (of ``related_terms``) reaches related_threshold; else
    ``none``. A weight of 0 leaves its term out."""

    match_threshold: float
    match_margin_weight: float
    related_threshold: float
    related_lead_weight: float = 0.0
    known_words_weight: float = 0.0
    concept_weight: float = 0.0
    agreement_weight: float = 0.0
    match_contrast_weight: float = 0.0
    latin_weight: float = 0.0
    match_not_covered_weight: float = 0.0
    related_not_covered_weight: float = 0.0

    def match_terms(self, signals: Signals) -> list[Term]:
        """The weighted terms of the match score (also used on signals that are arrays, one per query)."""
        return [
            (1.0, "wording", signals.wording),
            (self.match_margin_weight, "lead over the next question", signals.wording_margin),
            (self.match_contrast_weight, "(wording − section questions)", signals.wording - signals.section_wording),
            (-self.match_not_covered_weight, "closer to a not-covered question", signals.not_covered_lead),
        ]

    def related_terms(self, signals: Signals) -> list[Term]:
        """The weighted terms of the related score."""
        return [
            (1.0, "section", signals.section),
            (self.related_lead_weight, "lead over the nearest chunks", signals.section_lead),
            (self.known_words_weight, "known words", signals.known_words),
            (self.concept_weight, "names a glossary word", signals.concept),
            (self.agreement_weight, "retrievers agree", signals.agreement),
            (self.latin_weight, "no Chinese", signals.latin_query),
            (-self.related_not_covered_weight, "closer to a not-covered question", signals.not_covered_lead),
        ]

    def match_fit(self, signals: Signals) -> float:
        return _total(self.match_terms(signals))

    def related_fit(self, signals: Signals) -> float:
        return _total(self.related_terms(signals))

    def describe(self) -> str:
        """The rule in one line, weights and thresholds filled in."""
        blank = Signals()
        return (f"match when {_names(self.match_terms(blank))} >= {self.match_threshold:g}, else related when "
                f"{_names(self.related_terms(blank))} >= {self.related_threshold:g}, else none")

    def explain(self, signals: Signals) -> list[str]:
        """Why the verdict is what it is: each score with its threshold and its terms (weight 0 left out)."""
        scores = [("match", self.match_terms(signals), self.match_threshold),
                  ("related", self.related_terms(signals), self.related_threshold)]
        return [
            f"{name} score {_total(terms):.3f} {'≥' if _total(terms) >= threshold else '<'} {threshold:g}: "
            + _names(terms, with_values=True)
            for name, terms, threshold in scores
        ]

    def helps(self, signals: Signals, similarity: float) -> bool:
        """Whether a section this similar to the query passes the related bar on its own (the query's
        other signals as they are): the sections a ``related`` answer is made of."""
        return self.related_fit(replace(signals, section=similarity)) >= self.related_threshold

    def decide(self, signals: Signals) -> str:
        if self.match_fit(signals) >= self.match_threshold:
            return MATCH
        return RELATED if self.related_fit(signals) >= self.related_threshold else NONE


def _total(terms: list[Term]):
    """The weighted sum of the terms, in order."""
    return sum(weight * value for weight, _, value in terms)


def _names(terms: list[Term], with_values: bool = False) -> str:
    """``a + 0.5 × b − 4 × c …`` for the terms whose weight is not 0, with their values if asked."""
    said = ""
    for weight, name, value in terms:
        if not weight:
            continue
        sign = " − " if weight < 0 else " + "
        size = abs(weight)
        said += (sign if said else "−" if weight < 0 else "") + (name if size == 1.0 else f"{size:g} × {name}")
        said += f" {value:.3f}" if with_values else ""
    return said


def reason(
    verdict: str, signals: Signals, question: tuple[str, str], not_covered_topic: str = "",
    shown: tuple[str, str, float] | None = None,
) -> str:
    """The verdict in one sentence a candidate understands, in both languages (the formulas are ``explain``).

    Args:
        verdict: what was decided.
        signals: what it was decided from.
        question: (id, text) of the bank question closest to the query.
        not_covered_topic: the topic of the closest question the bank does not answer ("" if none).
        shown: (id, text, wording similarity) of the question whose section is shown first: a ``related``
            sentence names that one, the answer of the first card (else ``question``).
    """
    qid, text = question
    if verdict == MATCH:
        return f"与题库第 {qid} 题相近 Close to prepared question {qid} “{text}” ({signals.wording:.2f})."
    if verdict == RELATED:
        first, first_text, similarity = shown if shown is not None else (qid, text, signals.wording)
        return (f"题库没有这道题，下面的章节覆盖了其中一部分 Not one of the bank's questions; the sections below "
                f"cover part of it (first from {first} “{first_text}”, {similarity:.2f}; best section "
                f"{signals.section:.2f}).")
    if not_covered_topic and float(signals.not_covered_lead) > 0:
        return (f"更接近题库未覆盖的话题 Closer to a topic the bank does not answer: {not_covered_topic} "
                f"({signals.not_covered:.2f}) than to any prepared question "
                f"({float(signals.closest_prepared):.2f}).")
    return f"题库中没有足够接近的内容 Nothing in the bank is close enough (best section {signals.section:.2f})."
