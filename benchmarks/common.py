"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rag.evaluation.evalsets import load_eval_set

REPO = Path(__file__).resolve().parent.parent


EVAL_SETS = ("dev", "heldout", "sections-dev", "sections-heldout")


def eval_queries() -> list[str]:
    """All eval query texts: rephrasings and unexpected questions, in Chinese and English."""
    return [q.query for name in EVAL_SETS for q in load_eval_set(REPO / "eval" / f"{name}.yaml")]


def latencies_ms(fn: Callable[[str], object], queries: list[str], warmup: int = 5) -> list[float]:
    for query in queries[:warmup]:
        fn(query)
    out = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        out.append((time.perf_counter() - start) * 1000)
    return out


def p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
