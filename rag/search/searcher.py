"""Hybrid search: dense (FAISS, one ranking per embedder) and BM25, fused into a ranking of answer sections."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ..bank.glossary import Glossary, annotate
from ..bank.outline import ROLE_ANSWER
from ..config import Config
from ..index.chunking import Chunk
from ..index.embedders import Embedder, get_embedder
from ..index.store import StoredIndex
from ..text.tokenize import CJK, tokenize
from .fusion import reciprocal_rank_fusion, weighted_score_mix
from .intent import asks_about_interview, drop_framing, strip_framing, topic_terms
from .query import clean_query
from .ranking import (
    WORDING_KINDS,
    RankedSection,
    SectionMap,
    asked_section,
    best_similarity,
    hold_back_meta,
    lead_with_question,
    lead_with_section,
    rank_questions,
    rank_sections,
    similarity_lead,
    top_overlap,
)
from .verdict import MATCH, NONE, Signals, VerdictRule, reason

MODES = ("hybrid", "bm25", "dense")
# An English query is embedded with the bank's words for what it says, but only words at most a third of
# the answers use: with every word (产品经理 too) off-topic PM questions looked covered (tuning set).
HINT_MAX_SHARE = 1 / 3
# How many top sections of the keyword and the embedding rankings are compared for the verdict.
AGREEMENT_DEPTH = 5


@dataclass(frozen=True)
class Source:
    """Where a result comes from: file (relative to the corpus folder), line range, article URL (seed answers)."""

    path: str
    start_line: int
    end_line: int
    url: str


@dataclass(frozen=True)
class SearchResult:
    """One answer section. ``score`` is in 0–1, higher is better: the mean over embedders of the
    best cosine similarity among the section's text and its section questions.
    ``role`` is ``answer``, ``meta`` (考核点, 回答结构) or ``spoken`` (the two-minute version)."""

    question_id: str
    question: str
    section: str
    text: str
    score: float
    source: Source
    part: int
    chunk_id: str
    role: str = ROLE_ANSWER


@dataclass(frozen=True)
class SearchResponse:
    """The ranked sections for one query and the verdict on it (see ``rag.search.verdict``).

    ``verdict`` is ``match`` (the query is one of the bank's questions; its answer comes first),
    ``related`` (no prepared answer to this question, but the sections shown help) or ``none``
    (nothing in the bank covers it; the nearest sections are shown). ``signals`` holds what
    the verdict was decided from, ``why`` the scores made of them (``VerdictRule.explain``),
    ``reason`` the verdict in one plain sentence (``rag.search.verdict.reason``);
    ``glossary`` the bank's words the glossary added to the query.
    """

    query: str
    verdict: str = NONE
    results: list[SearchResult] = field(default_factory=list)
    notice: str = ""
    signals: Signals = field(default_factory=Signals)
    glossary: tuple[str, ...] = ()
    why: tuple[str, ...] = ()
    reason: str = ""

    @property
    def confident(self) -> bool:
        """True unless nothing in the bank covers the query."""
        return self.verdict != NONE

    def to_dict(self, explain: bool = False) -> dict:
        """The JSON shape of ``rag ask --json`` (with ``why`` when ``explain`` and there are results)."""
        data = {
            "query": self.query,
            "verdict": self.verdict,
            "confident": self.confident,
            "results": [
                {k: v for k, v in asdict(r).items() if k not in ("part", "chunk_id", "role")} for r in self.results
            ],
        }
        if self.notice:
            data["notice"] = self.notice
        if self.glossary:
            data["glossary"] = list(self.glossary)
        if self.reason:
            data["reason"] = self.reason
        if explain and self.why:
            data["why"] = list(self.why)
        return data

    @property
    def question_ids(self) -> list[str]:
        return [r.question_id for r in self.results]


def _load_embedders(names: list[str], config: Config) -> list[Embedder]:
    """Load the embedders and run one query through each, so the first real search is not slow."""
    embedders = [get_embedder(name, config) for name in names]
    for embedder in embedders:
        embedder.encode_queries(["warm-up"])
    return embedders


class Searcher:
    """Answers queries from one loaded index with the embedders it was built with."""

    def __init__(self, index: StoredIndex, config: Config):
        self.index = index
        self.config = config
        self.chunks: list[Chunk] = index.chunks
        self.embedders: list[Embedder] = _load_embedders([e["name"] for e in index.manifest["embedders"]], config)
        self.sections = SectionMap(self.chunks)
        # Every question's own wordings are scored for every query, not only those among the nearest
        # candidates: the verdict compares the best question's wording, which was 0 when none of them made
        # the cut (a question found through its sections or by keywords alone; 1 query in 15 on the tuning sets).
        # Kept apart from the ranking's candidates, grouped by question for one maximum per question.
        wordings = sorted((c.question_id, i) for i, c in enumerate(self.chunks) if c.kind in WORDING_KINDS)
        positions = [i for _, i in wordings]
        self._wording_questions = list(dict.fromkeys(q for q, _ in wordings))
        self._wording_starts = np.array([n for n, (q, _) in enumerate(wordings) if n == 0 or wordings[n - 1][0] != q])
        self._wording_vectors = {
            e.name: index.vectors(e.name)[positions] for e in self.embedders if e.name in index.dense and positions
        }
        self._question_part = {c.question_id: c.part for c in self.chunks}
        self.verdict_rule = VerdictRule(**{f.name: getattr(config, f.name) for f in fields(VerdictRule)})
        self._vocabulary = frozenset(index.bm25.vocab_dict)
        self.glossary = Glossary(index.manifest.get("glossary", []))
        self.not_covered: list[dict] = index.manifest.get("not_covered", [])
        self._questions = {c.question_id: c.question for c in self.chunks}
        self.parts: tuple[int, ...] = tuple(sorted({c.part for c in self.chunks}))
        answers: dict[str, list[str]] = {}
        for chunk in self.chunks:
            answers.setdefault(chunk.question_id, []).append(chunk.text)
        self._hint_groups = self.glossary.specific_groups(["\n".join(t) for t in answers.values()], HINT_MAX_SHARE)

    def search(self, query: str, k: int = 5, part: int | None = None, mode: str = "hybrid") -> SearchResponse:
        """Search one query; see ``search_batch``."""
        return self.search_batch([query], k, part, mode)[0]

    def search_batch(
        self, queries: list[str], k: int = 5, part: int | None = None, mode: str = "hybrid"
    ) -> list[SearchResponse]:
        """Search many queries at once (one embedding call per embedder).

        Args:
            queries: free-form questions in any language.
            k: number of sections; two sections of one answer may both appear.
            part: only answers of this part of the article (1, 2 or 3).
            mode: ``hybrid`` (default), ``bm25``, ``dense`` (all dense rankings fused) or
                ``dense:<embedder>`` (one embedder's ranking). The score and the
                verdict always come from the dense similarities.

        Returns:
            One SearchResponse per query, in order. An empty query yields no
            results and a notice; a too-long query is truncated with a notice.
        """
        self.check_part(part)
        names = [e.name for e in self.embedders]
        if mode not in MODES and mode.removeprefix("dense:") not in names:
            raise ValueError(f"mode must be one of {MODES} or dense:<embedder> ({', '.join(names)}), got {mode!r}")
        cleaned, notices = zip(*(self._clean(q) for q in queries)) if queries else ((), ())
        live = [i for i, q in enumerate(cleaned) if q]
        topics = [strip_framing(cleaned[i]) for i in live]  # what is asked, without "AIGC产品…" and the like
        dense, gaps, wordings = self._dense_hits([self._dense_text(t) for t in topics]) if live else ([], [], [])
        responses = [SearchResponse(query=q, notice=n) for q, n in zip(cleaned, notices)]
        for slot, i in enumerate(live):
            hits = [per_embedder[slot] for per_embedder in dense]
            wording = {
                question: min(max(float(value), 0.0), 1.0)
                for question, value in zip(self._wording_questions, wordings[slot])
                if part is None or self._question_part[question] == part
            }
            responses[i] = self._respond(cleaned[i], notices[i], hits, gaps[slot], wording, k, part, mode)
        return responses

    def check_part(self, part: int | None) -> None:
        """Raise ValueError unless ``part`` is None or one of the bank's parts (they follow the corpus)."""
        if part is not None and (type(part) is not int or part not in self.parts):
            known = ", ".join(map(str, self.parts))
            raise ValueError(f"part must be one of the bank's parts ({known}), got {part!r:.40}")

    def _clean(self, query: str) -> tuple[str, str]:
        return clean_query(query, self.config.max_query_chars)

    def _dense_text(self, query: str) -> str:
        """What the embedders see: the query, annotated from the glossary when ``glossary_dense`` is on."""
        return annotate(self.glossary, query, self._hint_groups) if self.config.glossary_dense else query

    def _dense_hits(self, queries: list[str]) -> tuple[list[list[dict[int, float]]], np.ndarray, np.ndarray]:
        """Per embedder, per query: {chunk position: cosine similarity} of the top candidates; per query and
        not-covered question, the mean over embedders of their cosine (no columns without a list); and per
        query and question (``_wording_questions``), the mean over embedders of its closest own wording."""
        out = []
        gaps = np.zeros((len(queries), len(self.not_covered)))
        wording = np.zeros((len(queries), len(self._wording_questions)))
        for embedder in self.embedders:
            vectors = embedder.encode_queries(queries)
            faiss_index = self.index.dense[embedder.name]
            fetch = min(faiss_index.ntotal, max(self.config.fetch_k, 1))
            scores, ids = faiss_index.search(vectors, fetch)
            out.append(
                [{int(i): float(s) for i, s in zip(row_ids, row) if i >= 0} for row, row_ids in zip(scores, ids)]
            )
            own = self._wording_vectors.get(embedder.name)
            if own is not None:
                wording += np.maximum.reduceat(vectors @ own.T, self._wording_starts, axis=1) / len(self.embedders)
            not_covered = self.index.not_covered.get(embedder.name)
            if not_covered is not None and len(not_covered) == gaps.shape[1]:
                gaps += (vectors @ not_covered.T) / len(self.embedders)
        return out, gaps, wording

    def _known_words(self, query: str, tokens: list[str]) -> float:
        """The share of the query's keywords that occur in the index or in a glossary term it says (1.0 if none)."""
        if not tokens:
            return 1.0
        known = self.glossary.known_tokens(query, tokens)
        return round(sum(t in self._vocabulary or t in known for t in tokens) / len(tokens), 4)

    def _names_concept(self, query: str, tokens: list[str]) -> float:
        """1.0 when the query says a term of the glossary (or there is no glossary), else 0.0."""
        return 1.0 if not len(self.glossary) or self.glossary.matched_groups(query, tokens) else 0.0

    def _bm25_hits(self, tokens: list[str], extra: list[str]) -> dict[int, float]:
        """BM25 scores of the query's keywords plus ``glossary_weight`` x those of its glossary synonyms."""
        if not (tokens or extra) or not self.chunks:
            return {}
        scores = self.index.bm25.get_scores(tokens) if tokens else np.zeros(len(self.chunks), np.float32)
        if extra:
            scores = scores + self.config.glossary_weight * self.index.bm25.get_scores(extra)
        fetch = min(len(scores), self.config.fetch_k)
        top = np.argpartition(-scores, fetch - 1)[:fetch]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _fuse(self, sides: list[dict], weights: list[float]) -> dict:
        """Fuse several {item: score} maps into one (RRF over ranks, or a weighted mix of scores)."""
        if self.config.fusion == "mix":
            return weighted_score_mix(sides, weights)
        rankings = [sorted(side, key=side.__getitem__, reverse=True) for side in sides]
        return reciprocal_rank_fusion(rankings, weights, self.config.rrf_k)

    def _in_part(self, side: dict[int, float], part: int | None) -> dict[int, float]:
        return side if part is None else {i: s for i, s in side.items() if self.chunks[i].part == part}

    def _keyword_side(self, tokens: list[str], extra: list[str], part: int | None) -> dict[int, float]:
        """The BM25 chunk scores (scaled to 0–1 by the query's best for ``mix`` fusion), limited to ``part``."""
        bm25 = self._bm25_hits(tokens, extra)
        if self.config.fusion == "mix":  # BM25 is unbounded: scale by the query's best score
            top = max(bm25.values(), default=1.0) or 1.0
            bm25 = {i: s / top for i, s in bm25.items()}
        return self._in_part(bm25, part)

    def _rank(
        self, sides: list[dict[int, float]], weights: list[float], dense: list[dict[int, float]],
        depth: int | None = None,
    ) -> tuple[dict[str, float], list[RankedSection]]:
        """The fused question scores and the ranked sections (the first ``depth``) of these retrievers'
        chunk scores."""
        by_question = rank_questions(self.sections, sides, weights, self._fuse)
        ranked = rank_sections(
            self.sections, sides, weights, self._fuse, dense, by_question,
            self.config.question_weight, self.config.meta_weight, depth, self.config.section_question_votes,
            self.config.section_text_weight,
        )
        return by_question, ranked

    def _respond(
        self, query: str, notice: str, dense: list[dict[int, float]], gaps: np.ndarray, wording: dict[str, float],
        k: int, part: int | None, mode: str,
    ) -> SearchResponse:
        tokens = tokenize(strip_framing(query))
        dense = [self._in_part(side, part) for side in dense]
        keyword = self._keyword_side(topic_terms(tokens), drop_framing(self.glossary.expand(query, tokens)), part)
        # The keyword and the embedding rankings, each on its own, for how far they agree (a verdict signal):
        # only their top sections are needed, unless one of them is the ranking asked for.
        by_keyword = self._rank([keyword], [1.0], dense, None if mode == "bm25" else AGREEMENT_DEPTH)
        by_meaning = self._rank(dense, [1.0] * len(dense), dense, None if mode == "dense" else AGREEMENT_DEPTH)
        if mode == "bm25":
            by_question, ranked = by_keyword
        elif mode == "dense":
            by_question, ranked = by_meaning
        elif mode.startswith("dense:"):
            one = dense[[e.name for e in self.embedders].index(mode[len("dense:") :])]
            by_question, ranked = self._rank([one], [1.0], dense)
        else:
            by_question, ranked = self._rank(dense + [keyword], [1.0] * len(dense) + [self.config.bm25_weight], dense)
        if not ranked:
            return SearchResponse(query, NONE, [], notice)
        best_question = max(by_question, key=by_question.__getitem__)
        agreement = top_overlap(by_keyword[1], by_meaning[1], AGREEMENT_DEPTH)
        if not asks_about_interview(query):  # 考核点 and 回答结构 answer only questions about the interview
            ranked = hold_back_meta(ranked) or ranked
        nearest_gap = int(np.argmax(gaps)) if len(gaps) else -1
        not_covered = round(float(gaps[nearest_gap]), 4) if len(gaps) else 0.0
        signals = self._signals(query, tokens, dense, wording, ranked[0], best_question, agreement, not_covered)
        verdict = self.verdict_rule.decide(signals)
        if verdict == MATCH:
            ranked = lead_with_question(ranked, best_question)
        elif (asked := asked_section(self.sections, dense, self.config.asked_lead_similarity)) is not None:
            ranked = lead_with_section(ranked, asked)  # the query is that section's own question
        shown = [self._result(r) for r in ranked[: max(k, 0)]]
        added = tuple(self.glossary.bank_terms(query, tokens=tokens)) if self.config.glossary_weight > 0 else ()
        topic = self.not_covered[nearest_gap]["topic"] if len(gaps) else ""
        first = ranked[0].key[0]  # the answer of the first card
        said = reason(verdict, signals, (best_question, self._questions.get(best_question, "")), topic,
                      (first, self._questions.get(first, ""), wording.get(first, 0.0)))
        return SearchResponse(
            query, verdict, shown, notice, signals, added, tuple(self.verdict_rule.explain(signals)), said
        )

    def _signals(
        self, query: str, tokens: list[str], dense: list[dict[int, float]], wording: dict[str, float],
        top: RankedSection, best_question: str, agreement: float, not_covered: float,
    ) -> Signals:
        """What the verdict is decided from (see ``rag.search.verdict.Signals``); ``wording`` is each
        question's similarity over its own wordings."""
        top_wording = wording.get(best_question, 0.0)
        runner_up = max((v for q, v in wording.items() if q != best_question), default=0.0)
        return Signals(
            wording=top_wording,
            wording_margin=round(top_wording - runner_up, 4),
            section=top.similarity,
            section_lead=similarity_lead(top.similarity, dense),
            known_words=self._known_words(query, tokens),
            concept=self._names_concept(query, tokens),
            agreement=agreement,
            section_wording=best_similarity(self.sections, dense, ("section_question",)),
            latin_query=0.0 if CJK.search(query) else 1.0,
            not_covered=not_covered,
            closest_wording=max(wording.values(), default=0.0),
        )

    def _result(self, ranked: RankedSection) -> SearchResult:
        chunk = self.chunks[ranked.position]
        return SearchResult(
            question_id=chunk.question_id,
            question=chunk.question,
            section=chunk.section,
            text=chunk.text,
            score=round(ranked.similarity, 4),
            source=Source(chunk.path, chunk.start_line, chunk.end_line, chunk.url),
            part=chunk.part,
            chunk_id=chunk.id,
            role=ranked.role,
        )
