"""Retrieval quality on a labelled query set: recall, MRR, and the confidence flag's error rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigError
from .search import Searcher, SearchResponse


@dataclass(frozen=True)
class LabelledQuery:
    """A query and the question id that answers it (None: nothing prepared fits)."""

    query: str
    expected: str | None
    lang: str


@dataclass(frozen=True)
class Metrics:
    """Quality figures of one retrieval mode on one query set."""

    mode: str
    recall_at_1: dict[str, float]
    recall_at_3: dict[str, float]
    mrr: dict[str, float]
    counts: dict[str, int]
    out_of_scope_flagged: float
    in_scope_wrongly_flagged: float
    out_of_scope_count: int


def load_eval_set(path: Path) -> list[LabelledQuery]:
    """Read ``queries: [{query, expected, lang}]`` from YAML, naming the entry of any error."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read eval set {path}: {exc}") from exc
    entries = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a non-empty list under 'queries'")
    queries = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
            raise ConfigError(f"{path}: query #{n} needs a 'query' string")
        expected = entry.get("expected")
        if expected is not None and not isinstance(expected, str):
            raise ConfigError(f"{path}: query #{n} 'expected' must be a quoted id like \"2.5\" or null")
        queries.append(LabelledQuery(entry["query"], expected, str(entry.get("lang", "zh"))))
    return queries


def _rank_of(expected: str, response: SearchResponse) -> int | None:
    ids = list(dict.fromkeys(response.question_ids))
    return ids.index(expected) + 1 if expected in ids else None


def score_responses(mode: str, queries: list[LabelledQuery], responses: list[SearchResponse]) -> Metrics:
    """Compute Metrics from responses already obtained for ``queries`` (same order)."""
    groups = {"all": [], "zh": [], "en": []}
    out_flagged, out_total, in_flagged = 0, 0, 0
    for item, response in zip(queries, responses):
        if item.expected is None:
            out_total += 1
            out_flagged += not response.confident
            continue
        rank = _rank_of(item.expected, response)
        in_flagged += not response.confident
        for group in ("all", item.lang):
            groups.setdefault(group, []).append(rank)

    def share(ranks: list[int | None], cutoff: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= cutoff) / len(ranks) if ranks else 0.0

    in_total = len(groups["all"])
    return Metrics(
        mode=mode,
        recall_at_1={g: share(r, 1) for g, r in groups.items()},
        recall_at_3={g: share(r, 3) for g, r in groups.items()},
        mrr={g: (sum(1 / r for r in rs if r) / len(rs) if rs else 0.0) for g, rs in groups.items()},
        counts={g: len(r) for g, r in groups.items()},
        out_of_scope_flagged=out_flagged / out_total if out_total else 0.0,
        in_scope_wrongly_flagged=in_flagged / in_total if in_total else 0.0,
        out_of_scope_count=out_total,
    )


def evaluate(searcher: Searcher, queries: list[LabelledQuery], modes: list[str]) -> list[Metrics]:
    """Run every query through each mode (batched) and score it."""
    texts = [q.query for q in queries]
    return [score_responses(mode, queries, searcher.search_batch(texts, k=10, mode=mode)) for mode in modes]


MARGIN_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class Calibration:
    """The confidence rule that best separates in-scope from out-of-scope queries on a set."""

    threshold: float
    margin_weight: float
    balanced_accuracy: float


def _best_cut(fits: list[tuple[float, bool]]) -> tuple[float, float]:
    """(threshold, balanced accuracy) of the best cut, placed half-way between neighbouring fits."""
    inside = [f for f, ok in fits if ok]
    outside = [f for f, ok in fits if not ok]
    best = (0.0, -1.0)
    for cut in sorted({f for f, _ in fits}):
        accuracy = (sum(f >= cut for f in inside) / len(inside) + sum(f < cut for f in outside) / len(outside)) / 2
        if accuracy > best[1]:
            below = [f for f, _ in fits if f < cut]
            best = ((cut + max(below)) / 2 if below else cut, accuracy)
    return round(best[0], 4), best[1]


def calibrate_confidence(searcher: Searcher, queries: list[LabelledQuery]) -> Calibration:
    """Choose the threshold and margin weight that maximise balanced accuracy on ``queries``.

    Balanced accuracy is the mean of the share of in-scope queries flagged confident and
    the share of out-of-scope queries flagged not confident.
    """
    if not any(q.expected for q in queries) or all(q.expected for q in queries):
        raise ConfigError("calibration needs both in-scope and out-of-scope queries")
    responses = searcher.search_batch([q.query for q in queries], k=1)
    best = Calibration(0.0, 0.0, -1.0)
    for weight in MARGIN_WEIGHTS:
        fits = [
            ((r.results[0].score if r.results else 0.0) + weight * r.margin, q.expected is not None)
            for q, r in zip(queries, responses)
        ]
        threshold, accuracy = _best_cut(fits)
        if accuracy > best.balanced_accuracy + 1e-9:
            best = Calibration(threshold, weight, accuracy)
    return best


def format_metrics(rows: list[Metrics]) -> str:
    """A plain-text table, one row per mode."""
    header = (
        f"{'mode':<16}{'R@1':>7}{'R@3':>7}{'MRR':>7}  {'R@1 zh':>7}{'R@3 zh':>7}{'MRR zh':>7}"
        f"  {'R@1 en':>7}{'R@3 en':>7}{'MRR en':>7}  {'OOS flagged':>12}{'in-scope flagged':>17}"
    )
    lines = [header, "-" * len(header)]
    for m in rows:
        lines.append(
            f"{m.mode:<16}{m.recall_at_1['all']:>7.3f}{m.recall_at_3['all']:>7.3f}{m.mrr['all']:>7.3f}"
            f"  {m.recall_at_1.get('zh', 0):>7.3f}{m.recall_at_3.get('zh', 0):>7.3f}{m.mrr.get('zh', 0):>7.3f}"
            f"  {m.recall_at_1.get('en', 0):>7.3f}{m.recall_at_3.get('en', 0):>7.3f}{m.mrr.get('en', 0):>7.3f}"
            f"  {m.out_of_scope_flagged:>12.3f}{m.in_scope_wrongly_flagged:>17.3f}"
        )
    if rows:
        c = rows[0].counts
        lines.append(
            f"queries: {c['all']} in scope ({c.get('zh', 0)} zh, {c.get('en', 0)} en), "
            f"{rows[0].out_of_scope_count} out of scope"
        )
    return "\n".join(lines)
