"""Hybrid search: dense (FAISS, one ranking per embedder) and BM25, fused, grouped by question."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from .chunking import Chunk
from .config import Config
from .embedders import Embedder, get_embedder
from .fusion import reciprocal_rank_fusion, weighted_score_mix
from .store import StoredIndex
from .tokenize import tokenize

MODES = ("hybrid", "bm25", "dense")
ANSWER_PREFIX = "参考答案"


@dataclass(frozen=True)
class Source:
    """Where a result comes from: corpus file, line range, original article URL (seed answers)."""

    path: str
    start_line: int
    end_line: int
    url: str


@dataclass(frozen=True)
class SearchResult:
    """One answer section. ``score`` is in 0–1, higher is better (mean dense similarity)."""

    question_id: str
    question: str
    section: str
    text: str
    score: float
    source: Source
    part: int
    chunk_id: str


@dataclass(frozen=True)
class SearchResponse:
    """The ranked results for one query; ``confident`` is False when no prepared answer fits."""

    query: str
    confident: bool
    results: list[SearchResult] = field(default_factory=list)
    notice: str = ""

    def to_dict(self) -> dict:
        """The JSON shape of ``rag ask --json``."""
        data = {
            "query": self.query,
            "confident": self.confident,
            "results": [{k: v for k, v in asdict(r).items() if k not in ("part", "chunk_id")} for r in self.results],
        }
        if self.notice:
            data["notice"] = self.notice
        return data

    @property
    def question_ids(self) -> list[str]:
        return [r.question_id for r in self.results]


class Searcher:
    """Answers queries from one loaded index with the embedders it was built with."""

    def __init__(self, index: StoredIndex, config: Config):
        self.index = index
        self.config = config
        self.chunks: list[Chunk] = index.chunks
        self.embedders: list[Embedder] = [get_embedder(e["name"], config) for e in index.manifest["embedders"]]
        self._sections: dict[str, list[int]] = defaultdict(list)
        for position, chunk in enumerate(self.chunks):
            if chunk.kind == "section":
                self._sections[chunk.question_id].append(position)

    def search(self, query: str, k: int = 5, part: int | None = None, mode: str = "hybrid") -> SearchResponse:
        """Search one query; see ``search_batch``."""
        return self.search_batch([query], k, part, mode)[0]

    def search_batch(
        self, queries: list[str], k: int = 5, part: int | None = None, mode: str = "hybrid"
    ) -> list[SearchResponse]:
        """Search many queries at once (one embedding call per embedder).

        Args:
            queries: free-form questions in any language.
            k: number of results; sections of distinct questions come first.
            part: only answers of this part of the article (1, 2 or 3).
            mode: ``hybrid`` (default), ``bm25``, ``dense`` (all dense rankings fused) or
                ``dense:<embedder>`` (one embedder's ranking). The score and the
                confidence flag always come from the dense similarities.

        Returns:
            One SearchResponse per query, in order. An empty query yields no
            results and a notice; a too-long query is truncated with a notice.
        """
        names = [e.name for e in self.embedders]
        if mode not in MODES and mode.removeprefix("dense:") not in names:
            raise ValueError(f"mode must be one of {MODES} or dense:<embedder> ({', '.join(names)}), got {mode!r}")
        cleaned, notices = zip(*(self._clean(q) for q in queries)) if queries else ((), ())
        live = [i for i, q in enumerate(cleaned) if q]
        dense = self._dense_hits([cleaned[i] for i in live]) if live else []
        responses = [SearchResponse(query=q, confident=False, notice=n) for q, n in zip(cleaned, notices)]
        for slot, i in enumerate(live):
            hits = [per_embedder[slot] for per_embedder in dense]
            responses[i] = self._respond(cleaned[i], notices[i], hits, k, part, mode)
        return responses

    def _clean(self, query: str) -> tuple[str, str]:
        text = " ".join(str(query).split())
        if not text:
            return "", "The question is empty: type a question. 问题为空，请输入问题。"
        limit = self.config.max_query_chars
        if len(text) > limit:
            return text[
                :limit
            ], f"The question was longer than {limit} characters and was truncated. 问题过长，已截断。"
        return text, ""

    def _dense_hits(self, queries: list[str]) -> list[list[dict[int, float]]]:
        """Per embedder, per query: {chunk position: cosine similarity} of the top candidates."""
        out = []
        for embedder in self.embedders:
            vectors = embedder.encode_queries(queries)
            faiss_index = self.index.dense[embedder.name]
            fetch = min(faiss_index.ntotal, max(self.config.fetch_k, 1))
            scores, ids = faiss_index.search(vectors, fetch)
            out.append(
                [{int(i): float(s) for i, s in zip(row_ids, row) if i >= 0} for row, row_ids in zip(scores, ids)]
            )
        return out

    def _bm25_hits(self, query: str) -> dict[int, float]:
        tokens = tokenize(query)
        if not tokens or not self.chunks:
            return {}
        scores = self.index.bm25.get_scores(tokens)
        fetch = min(len(scores), self.config.fetch_k)
        top = np.argpartition(-scores, fetch - 1)[:fetch]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _fuse(self, dense: list[dict[int, float]], bm25: dict[int, float], mode: str) -> dict[int, float]:
        sides = [] if mode == "bm25" else list(dense)
        weights = [1.0] * len(sides)
        if mode != "dense":
            sides.append(bm25)
            weights.append(self.config.bm25_weight)
        if self.config.fusion == "mix":
            if mode != "dense":  # BM25 is unbounded: scale by the query's best score
                top = max(bm25.values(), default=1.0) or 1.0
                sides[-1] = {i: s / top for i, s in bm25.items()}
            return weighted_score_mix(sides, weights)
        rankings = [sorted(s, key=s.__getitem__, reverse=True) for s in sides]
        return reciprocal_rank_fusion(rankings, weights, self.config.rrf_k)

    def _respond(
        self, query: str, notice: str, dense: list[dict[int, float]], k: int, part: int | None, mode: str
    ) -> SearchResponse:
        ranking_sides = dense
        if mode.startswith("dense:"):
            ranking_sides = [dense[[e.name for e in self.embedders].index(mode[len("dense:") :])]]
            mode = "dense"
        bm25 = self._bm25_hits(query) if mode != "dense" else {}
        fused = self._fuse(ranking_sides, bm25, mode)
        if part is not None:
            fused = {i: s for i, s in fused.items() if self.chunks[i].part == part}
        relevance = self._relevance(dense)
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        results = self._group(ranked, fused, relevance, k)
        top = results[0].score if results else 0.0
        return SearchResponse(query, top >= self.config.confidence_threshold, results, notice)

    def _relevance(self, dense: list[dict[int, float]]) -> dict[str, float]:
        """Per question: mean over embedders of the best cosine among its chunks, in 0–1."""
        per_question: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(dense))
        for side, hits in enumerate(dense):
            for position, score in hits.items():
                qid = self.chunks[position].question_id
                per_question[qid][side] = max(per_question[qid][side], score)
        return {qid: float(np.clip(np.mean(v), 0.0, 1.0)) for qid, v in per_question.items()}

    def _group(
        self, ranked: list[int], fused: dict[int, float], relevance: dict[str, float], k: int
    ) -> list[SearchResult]:
        """Best section of each distinct question first (in fused order), then further sections."""
        first: list[int] = []
        seen: set[str] = set()
        for position in ranked:
            qid = self.chunks[position].question_id
            if qid not in seen:
                seen.add(qid)
                first.append(self._section_for(qid, position, fused))
        shown = set(first)
        extra = [p for p in ranked if self.chunks[p].kind == "section" and p not in shown]
        return [self._result(p, relevance) for p in (first + extra)[: max(k, 0)]]

    def _section_for(self, qid: str, position: int, fused: dict[int, float]) -> int:
        """The section to show for a question matched at ``position`` (maybe a question/alias hit)."""
        if self.chunks[position].kind == "section":
            return position
        sections = self._sections.get(qid, [])
        scored = [p for p in sections if p in fused]
        if scored:
            return max(scored, key=fused.__getitem__)
        answers = [p for p in sections if self.chunks[p].section.startswith(ANSWER_PREFIX)]
        return (answers or sections or [position])[0]

    def _result(self, position: int, relevance: dict[str, float]) -> SearchResult:
        chunk = self.chunks[position]
        return SearchResult(
            question_id=chunk.question_id,
            question=chunk.question,
            section=chunk.section,
            text=chunk.text,
            score=round(relevance.get(chunk.question_id, 0.0), 4),
            source=Source((self.config.corpus / chunk.path).as_posix(), chunk.start_line, chunk.end_line, chunk.url),
            part=chunk.part,
            chunk_id=chunk.id,
        )
