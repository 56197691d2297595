"""Retrieval quality on labelled query sets, per retrieval mode, side by side.

Question-level sets (rephrasings of the bank's questions): Recall@1/3 and MRR of the answering
question, how often rephrasings get ``verdict: match``, and how often each kind gets ``none``.
Section-level sets (unexpected questions): best@1, best@3 (a ``best`` section in the top k),
useful@3 (a ``best`` or ``related`` section in the top 3), and how often each kind gets ``none``.
Every set: ``false match``, the share of queries that are not one of the bank's questions given ``match``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..search.searcher import Searcher, SearchResponse
from ..search.verdict import MATCH, NONE
from .evalsets import ANSWERABLE, OUT_OF_DOMAIN, OUT_OF_SCOPE, REPHRASING, UNCOVERED, LabelledQuery

LANGS = ("all", "zh", "en")
FALSE_MATCH = "false match"  # the share of queries that are not the bank's questions given ``match``


@dataclass(frozen=True)
class Metrics:
    """Quality figures of one retrieval mode on one query set.

    ``hits`` maps a figure name (``R@1``, ``best@3`` …) to its value per language group;
    ``verdicts`` maps ``<kind> <verdict>`` to the share of that kind's queries given it (and
    ``answerable none <lang>`` per language).
    """

    mode: str
    hits: dict[str, dict[str, float]]
    verdicts: dict[str, float]
    counts: dict[str, int]


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _question_hits(item: LabelledQuery, response: SearchResponse) -> dict[str, float]:
    ids = list(dict.fromkeys(response.question_ids))
    rank = ids.index(item.expected) + 1 if item.expected in ids else None
    return {"R@1": float(rank == 1), "R@3": float(rank is not None and rank <= 3), "MRR": 1 / rank if rank else 0.0}


def _section_hits(item: LabelledQuery, response: SearchResponse) -> dict[str, float]:
    keys = [(r.question_id, r.section) for r in response.results]
    best, useful = set(item.best), set(item.best) | set(item.related)
    return {
        "best@1": float(bool(keys[:1]) and keys[0] in best),
        "best@3": float(any(k in best for k in keys[:3])),
        "useful@3": float(any(k in useful for k in keys[:3])),
    }


def score_responses(mode: str, queries: list[LabelledQuery], responses: list[SearchResponse]) -> Metrics:
    """Compute Metrics from responses already obtained for ``queries`` (same order)."""
    per_group: dict[str, dict[str, list[float]]] = {}
    verdicts: dict[str, list[bool]] = {}
    counts: dict[str, int] = {}
    for item, response in zip(queries, responses):
        counts[item.kind] = counts.get(item.kind, 0) + 1
        verdicts.setdefault(f"{item.kind} {NONE}", []).append(response.verdict == NONE)
        if item.kind == ANSWERABLE:  # an English question is more often told "none": watch each language
            verdicts.setdefault(f"{item.kind} {NONE} {item.lang}", []).append(response.verdict == NONE)
        if item.kind == REPHRASING:
            verdicts.setdefault(f"{item.kind} {MATCH}", []).append(response.verdict == MATCH)
        else:  # not one of the bank's questions: "this is a prepared question" would be wrong
            verdicts.setdefault(FALSE_MATCH, []).append(response.verdict == MATCH)
        if item.kind not in (REPHRASING, ANSWERABLE):
            continue
        figures = _question_hits(item, response) if item.kind == REPHRASING else _section_hits(item, response)
        for group in ("all", item.lang):
            counts[f"{item.kind} {group}"] = counts.get(f"{item.kind} {group}", 0) + 1
            for name, value in figures.items():
                per_group.setdefault(name, {}).setdefault(group, []).append(value)
    hits = {name: {g: sum(v) / len(v) for g, v in groups.items()} for name, groups in per_group.items()}
    return Metrics(mode, hits, {key: _share(v) for key, v in verdicts.items()}, counts)


def evaluate(searcher: Searcher, queries: list[LabelledQuery], modes: list[str]) -> list[Metrics]:
    """Run every query through each mode (batched) and score it."""
    texts = [q.query for q in queries]
    return [score_responses(mode, queries, searcher.search_batch(texts, k=10, mode=mode)) for mode in modes]


def _table(rows: list[Metrics], figures: list[str], verdict_columns: list[tuple[str, str]]) -> list[str]:
    """One row per mode: each figure for all/zh/en, then the verdict shares."""
    head = f"{'mode':<16}" + "".join(f"{f + ('' if g == 'all' else ' ' + g):>12}" for f in figures for g in LANGS)
    head += "".join(f"{title:>16}" for title, _ in verdict_columns)
    lines = [head, "-" * len(head)]
    for m in rows:
        line = f"{m.mode:<16}" + "".join(f"{m.hits.get(f, {}).get(g, 0.0):>12.3f}" for f in figures for g in LANGS)
        line += "".join(f"{m.verdicts.get(key, 0.0):>16.3f}" for _, key in verdict_columns)
        lines.append(line)
    return lines


def format_metrics(rows: list[Metrics]) -> str:
    """Plain-text tables for whichever kinds of queries the set has."""
    if not rows:
        return ""
    c = rows[0].counts
    lines: list[str] = []
    if c.get(REPHRASING):
        lines += _table(
            rows,
            ["R@1", "R@3", "MRR"],
            [("match", f"{REPHRASING} {MATCH}"), ("in-scope none", f"{REPHRASING} {NONE}"),
             ("OOS none", f"{OUT_OF_SCOPE} {NONE}"), ("false match", FALSE_MATCH)],
        )
        lines.append(
            f"rephrasings: {c[REPHRASING]} ({c.get(f'{REPHRASING} zh', 0)} zh, {c.get(f'{REPHRASING} en', 0)} en), "
            f"out of scope: {c.get(OUT_OF_SCOPE, 0)}"
        )
    if c.get(ANSWERABLE):
        if lines:
            lines.append("")
        lines += _table(
            rows,
            ["best@1", "best@3", "useful@3"],
            [("answerable none", f"{ANSWERABLE} {NONE}"), ("ans. none zh", f"{ANSWERABLE} {NONE} zh"),
             ("ans. none en", f"{ANSWERABLE} {NONE} en"), ("uncovered none", f"{UNCOVERED} {NONE}"),
             ("off-domain none", f"{OUT_OF_DOMAIN} {NONE}"), ("false match", FALSE_MATCH)],
        )
        lines.append(
            f"answerable: {c[ANSWERABLE]} ({c.get(f'{ANSWERABLE} zh', 0)} zh, {c.get(f'{ANSWERABLE} en', 0)} en), "
            f"uncovered: {c.get(UNCOVERED, 0)}, out of domain: {c.get(OUT_OF_DOMAIN, 0)}"
        )
    return "\n".join(lines)
