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
    margin: float = 0.0  # top question's score minus the best other question's score

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
            notice = f"The question was longer than {limit} characters and was truncated. 问题过长，已截断。"
            return text[:limit], notice
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

    def _fuse(self, sides: list[dict], weights: list[float]) -> dict:
        """Fuse several {item: score} maps into one (RRF over ranks, or a weighted mix of scores)."""
        if self.config.fusion == "mix":
            return weighted_score_mix(sides, weights)
        rankings = [sorted(side, key=side.__getitem__, reverse=True) for side in sides]
        return reciprocal_rank_fusion(rankings, weights, self.config.rrf_k)

    def _sides(self, query: str, dense: list[dict[int, float]], mode: str) -> tuple[list[dict], list[float]]:
        """The chunk-score maps that rank results in this mode, with their fusion weights."""
        if mode.startswith("dense:"):
            return [dense[[e.name for e in self.embedders].index(mode[len("dense:") :])]], [1.0]
        sides = [] if mode == "bm25" else list(dense)
        weights = [1.0] * len(sides)
        if mode != "dense":
            bm25 = self._bm25_hits(query)
            if self.config.fusion == "mix":  # BM25 is unbounded: scale by the query's best score
                top = max(bm25.values(), default=1.0) or 1.0
                bm25 = {i: s / top for i, s in bm25.items()}
            sides.append(bm25)
            weights.append(self.config.bm25_weight)
        return sides, weights

    def _respond(
        self, query: str, notice: str, dense: list[dict[int, float]], k: int, part: int | None, mode: str
    ) -> SearchResponse:
        sides, weights = self._sides(query, dense, mode)
        if part is not None:
            sides = [{i: s for i, s in side.items() if self.chunks[i].part == part} for side in sides]
        # Questions are ranked by fusing each retriever's best chunk per question: a question wins
        # when any of its wordings or sections matches, whichever retriever saw it.
        question_order = self._fuse([self._best_per_question(side) for side in sides], weights)
        chunk_scores = self._fuse(sides, weights)
        relevance = self._relevance(dense)
        results = self._group(sorted(question_order, key=question_order.__getitem__, reverse=True), chunk_scores, k)
        shown = [self._result(p, relevance) for p in results]
        if not shown:
            return SearchResponse(query, False, [], notice)
        top = shown[0]
        runner_up = max((v for q, v in relevance.items() if q != top.question_id), default=0.0)
        margin = round(top.score - runner_up, 4)
        return SearchResponse(query, self.is_confident(top.score, margin), shown, notice, margin)

    def is_confident(self, score: float, margin: float) -> bool:
        """The confidence rule: top score plus a weighted lead over the runner-up question, against a threshold.

        A clear lead matters: an out-of-scope question resembles many answers a little and none clearly.
        """
        fit = score + self.config.confidence_margin_weight * margin
        return fit >= self.config.confidence_threshold

    def _best_per_question(self, side: dict[int, float]) -> dict[str, float]:
        best: dict[str, float] = {}
        for position, score in side.items():
            qid = self.chunks[position].question_id
            if score > best.get(qid, float("-inf")):
                best[qid] = score
        return best

    def _relevance(self, dense: list[dict[int, float]]) -> dict[str, float]:
        """Per question: mean over embedders of the best cosine among its chunks, in 0–1."""
        per_side = [self._best_per_question(hits) for hits in dense]
        questions = set().union(*per_side) if per_side else set()
        return {qid: float(np.clip(np.mean([side.get(qid, 0.0) for side in per_side]), 0.0, 1.0)) for qid in questions}

    def _group(self, questions: list[str], chunk_scores: dict[int, float], k: int) -> list[int]:
        """Chunk positions to show: the best section of each question in order, then further sections."""
        first = [self._section_for(qid, chunk_scores) for qid in questions]
        shown = set(first)
        ranked = sorted(chunk_scores, key=chunk_scores.__getitem__, reverse=True)
        extra = [p for p in ranked if self.chunks[p].kind == "section" and p not in shown]
        return (first + extra)[: max(k, 0)]

    def _section_for(self, qid: str, chunk_scores: dict[int, float]) -> int:
        """The section to show for a question: its best-scoring section, else its first answer section."""
        sections = self._sections[qid]
        scored = [p for p in sections if p in chunk_scores]
        if scored:
            return max(scored, key=chunk_scores.__getitem__)
        answers = [p for p in sections if self.chunks[p].section.startswith(ANSWER_PREFIX)]
        return (answers or sections)[0]

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
