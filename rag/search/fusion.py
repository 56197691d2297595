"""Combine several rankings of the same items into one."""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = 60
) -> dict[int, float]:
    """Score each item by the weighted sum of 1 / (k + rank) over the rankings it appears in.

    Args:
        rankings: item ids, best first, one list per retriever.
        weights: one weight per ranking.
        k: damping constant; larger values flatten the contribution of top ranks.
    """
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def weighted_score_mix(scored: Sequence[dict[int, float]], weights: Sequence[float]) -> dict[int, float]:
    """Weighted sum of scores already normalised to 0–1 (missing items count as 0)."""
    fused: dict[int, float] = {}
    for scores, weight in zip(scored, weights):
        for item, score in scores.items():
            fused[item] = fused.get(item, 0.0) + weight * score
    total = sum(weights) or 1.0
    return {item: score / total for item, score in fused.items()}
