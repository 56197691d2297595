"""Rank answer sections for a query: each retriever's best chunk per section, fused, meta sections held back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..bank.outline import ROLE_META
from ..index.chunking import Chunk

SectionKey = tuple[str, str]  # (question id, section heading path)
Fuse = Callable[[list[dict], list[float]], dict]
WORDING_KINDS = ("question", "alias")


@dataclass(frozen=True)
class RankedSection:
    """One section in ranked order: the chunk to show for it and its similarity to the query (0–1)."""

    key: SectionKey
    position: int
    similarity: float
    role: str


class SectionMap:
    """Which section each chunk leads to, and each section's pieces, built once per index."""

    MEMO_SIZE = 64  # (side, view) results remembered: a few queries' worth, across threads

    def __init__(self, chunks: Sequence[Chunk]):
        self.chunks = chunks
        self._memo: dict[tuple, tuple[dict, dict]] = {}
        self._memo_lock = threading.Lock()
        self.section_of: list[SectionKey | None] = []
        self.pieces: dict[SectionKey, list[int]] = {}
        self.role: dict[SectionKey, str] = {}
        self.kind_of = [chunk.kind for chunk in chunks]  # per position: read for every scored chunk of a query
        self.question_of = [chunk.question_id for chunk in chunks]
        for position, chunk in enumerate(chunks):
            if chunk.kind in WORDING_KINDS:
                self.section_of.append(None)
                continue
            key = (chunk.question_id, chunk.section)
            self.section_of.append(key)
            self.role.setdefault(key, chunk.role)
            if chunk.kind == "section":
                self.pieces.setdefault(key, []).append(position)

    def per_section(self, side: dict[int, float], kind: str | None = None) -> dict[SectionKey, float]:
        """The best score of each section over its chunks (of one kind, ``section`` or ``section_question``)."""
        return self._remembered(side, ("section", kind), self._per_section)

    def section_question_vote(self, side: dict[int, float], depth: int) -> dict[SectionKey, float]:
        """Each section's mean over its ``depth`` best-scoring section questions: a section with many
        interviewer wordings is not carried by the one that happens to come closest. A wording the retriever
        did not fetch counts as the lowest score it fetched (at most that), so a section only one wording
        found ranks below one that several found."""
        if depth <= 1:
            return self.per_section(side, "section_question")
        return self._remembered(side, ("vote", depth), self._section_question_vote)

    def per_question(self, side: dict[int, float], kinds: tuple[str, ...] | None = None) -> dict[str, float]:
        """The best score of each question over its chunks (of ``kinds``, default all)."""
        return self._remembered(side, ("question", kinds), self._per_question)

    def _remembered(self, side: dict[int, float], what: tuple, compute: Callable) -> dict:
        """``compute(side, what[1])``, remembered for the last few sides: one query ranks the same retriever
        scores several ways (fused, keyword alone, embeddings alone, the verdict's signals). An entry keeps
        its side alive and is used only for that very object, so no other query's scores can match it."""
        key = (id(side), what)
        with self._memo_lock:
            hit = self._memo.get(key)
        if hit is not None and hit[0] is side:
            return hit[1]
        result = compute(side, what[1])
        with self._memo_lock:
            self._memo[key] = (side, result)
            while len(self._memo) > self.MEMO_SIZE:
                del self._memo[next(iter(self._memo))]
        return result

    def _per_section(self, side: dict[int, float], kind: str | None) -> dict[SectionKey, float]:
        best: dict[SectionKey, float] = {}
        section_of, kind_of, missing = self.section_of, self.kind_of, float("-inf")
        for position, score in side.items():
            key = section_of[position]
            if key is None or (kind is not None and kind_of[position] != kind):
                continue
            if score > best.get(key, missing):
                best[key] = score
        return best

    def _per_question(self, side: dict[int, float], kinds: tuple[str, ...] | None) -> dict[str, float]:
        best: dict[str, float] = {}
        question_of, kind_of, missing = self.question_of, self.kind_of, float("-inf")
        for position, score in side.items():
            if kinds is not None and kind_of[position] not in kinds:
                continue
            question = question_of[position]
            if score > best.get(question, missing):
                best[question] = score
        return best

    def _section_question_vote(self, side: dict[int, float], depth: int) -> dict[SectionKey, float]:
        scores: dict[SectionKey, list[float]] = {}
        section_of, kind_of = self.section_of, self.kind_of
        for position, score in side.items():
            if kind_of[position] == "section_question":
                scores.setdefault(section_of[position], []).append(score)
        floor = min(side.values(), default=0.0)
        return {key: sum((sorted(found, reverse=True) + [floor] * depth)[:depth]) / depth
                for key, found in scores.items()}

    def piece_to_show(self, key: SectionKey, side: dict[int, float]) -> int:
        """The section's best-scoring piece, else its first."""
        pieces = self.pieces[key]  # every section has a text piece; its section questions come after it
        scored = [p for p in pieces if p in side]
        return max(scored, key=side.__getitem__) if scored else pieces[0]


def mean_over_embedders(per_embedder: list[dict], key) -> float:
    """Mean of one item's score over the embedders' maps (missing counts as 0), clipped to 0–1."""
    if not per_embedder:
        return 0.0
    mean = sum(side.get(key, 0.0) for side in per_embedder) / len(per_embedder)  # plain Python: called per section
    return min(max(mean, 0.0), 1.0)


def rank_questions(sections: SectionMap, sides: list[dict[int, float]], weights: list[float], fuse: Fuse) -> dict:
    """Fused score of each question: each retriever's best chunk of it (wordings, sections, section questions).

    A question wins when any of its wordings or sections matches, whichever retriever saw it.
    """
    return fuse([sections.per_question(side) for side in sides], weights)


def rank_sections(
    sections: SectionMap,
    sides: list[dict[int, float]],
    weights: list[float],
    fuse: Fuse,
    dense: list[dict[int, float]],
    by_question: dict[str, float],
    question_weight: float,
    meta_weight: float,
    depth: int | None = None,
    section_question_votes: int = 1,
    text_weight: float = 1.0,
) -> list[RankedSection]:
    """All sections any retriever found, best first (only the first ``depth`` when given: ordering every
    section is cheap, describing each one is not).

    Each retriever votes twice per section, once by the section's text (times ``text_weight``) and once
    by the questions it answers (``section_question`` chunks), and the section's question adds its own
    fused vote, so that the answer a query is about lifts all of its sections a little.

    Args:
        sections: the index's section map.
        sides: per retriever, {chunk position: score}.
        weights: fusion weight of each side.
        fuse: fuses several {item: score} maps (RRF or a weighted mix).
        dense: per embedder, {chunk position: cosine}, for the shown similarity.
        by_question: the fused question-level scores (``rank_questions``).
        question_weight: weight of the question-level vote.
        meta_weight: factor on the fused score of meta sections (考核点, 回答结构).
        depth: how many of the best sections to return (None: all).
        section_question_votes: how many of a section's best section questions its second vote averages.
        text_weight: factor on each retriever's vote by the section's text (its vote by its questions counts 1).
    """
    votes = [
        vote for side in sides
        for vote in (
            sections.per_section(side, "section"),
            sections.section_question_vote(side, section_question_votes),
        )
    ]
    fused = fuse(votes, [w * factor for w in weights for factor in (text_weight, 1.0)])
    # Every section of a question that was found is a candidate, even if no chunk of its own was fetched.
    candidates = set(fused) | {key for key in sections.role if key[0] in by_question}
    fused = {
        key: (fused.get(key, 0.0) + question_weight * by_question.get(key[0], 0.0))
        * (meta_weight if sections.role[key] == ROLE_META else 1.0)
        for key in candidates
    }
    order = sorted(fused, key=lambda k: (-fused[k], k))[:depth]  # ties in a stable order
    similarity = [sections.per_section(side) for side in dense]
    shown_by = fuse(sides, weights)
    return [
        RankedSection(key, sections.piece_to_show(key, shown_by), mean_over_embedders(similarity, key),
                      sections.role[key])
        for key in order
    ]


def hold_back_meta(ranked: list[RankedSection]) -> list[RankedSection]:
    """The ranking without meta sections (考核点, 回答结构): for a question that is not about the interview."""
    return [r for r in ranked if r.role != ROLE_META]


def _lead_with(ranked: list[RankedSection], wanted: Callable[[RankedSection], bool]) -> list[RankedSection]:
    """Move the best-ranked section that is ``wanted`` to the front (unchanged if none is)."""
    first = next((r for r in ranked if wanted(r)), None)
    return ranked if first is None else [first] + [r for r in ranked if r is not first]


def lead_with_question(ranked: list[RankedSection], question_id: str) -> list[RankedSection]:
    """Move the best-ranked section of ``question_id`` to the front (the query is that question)."""
    return _lead_with(ranked, lambda r: r.key[0] == question_id)


def asked_section(sections: SectionMap, dense: list[dict[int, float]], floor: float) -> SectionKey | None:
    """The section whose own interviewer question (``section_question``) the query all but repeats: its
    mean cosine over the embedders reaches ``floor``; else None."""
    per_side = [sections.per_section(side, "section_question") for side in dense]
    keys = set().union(*per_side) if per_side else set()
    similarity = {key: mean_over_embedders(per_side, key) for key in keys}
    best = max(similarity, key=lambda key: (similarity[key], key), default=None)
    return best if best is not None and similarity[best] >= floor else None


def lead_with_section(ranked: list[RankedSection], key: SectionKey) -> list[RankedSection]:
    """Move the section ``key`` to the front, if it is ranked at all."""
    return _lead_with(ranked, lambda r: r.key == key)


def best_similarity(sections: SectionMap, dense: list[dict[int, float]], kinds: tuple[str, ...]) -> float:
    """Mean over embedders of the best cosine among the chunks of ``kinds``, clipped to 0–1."""
    best = [max(sections.per_question(side, kinds).values(), default=0.0) for side in dense]
    return min(max(sum(best) / len(best), 0.0), 1.0) if best else 0.0


def similarity_lead(top: float, dense: list[dict[int, float]], nearest: int = 50) -> float:
    """``top`` minus the mean over embedders of the mean similarity of the ``nearest`` chunks."""
    means = [float(np.mean(sorted(side.values(), reverse=True)[:nearest])) for side in dense if side]
    return round(top - float(np.mean(means)), 4) if means else 0.0


def top_overlap(first: list[RankedSection], second: list[RankedSection], depth: int) -> float:
    """The share of the top ``depth`` sections that two rankings have in common (0–1)."""
    if depth <= 0:
        return 0.0
    return len({r.key for r in first[:depth]} & {r.key for r in second[:depth]}) / depth
