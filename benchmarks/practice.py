"""Practice scoring speed: preparing the reference vectors, then scoring each answer of the scoring set warm.

Run: ``python -m benchmarks.practice`` (about a minute on 2 cores; add ``--cold`` to also time embedding
the whole bank from an empty cache). Scoring embeds every sentence of the answer with the index's
embedder (e5-small by default) and compares it with the bank's reference sentences; the figure to
watch is the warm p50 per answer. The load average is printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.common import REPO, p50_p95
from rag import load_config
from rag.practice import Practice
from rag.practice.evaluate import load_practice_set
from rag.practice.keypoints import split_sentences


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_known_args(argv)[1]
    cold = "--cold" in args
    config = load_config(REPO / "rag.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        cache = config.data_dir / "practice-vectors"
        if cache.is_dir() and not cold:
            shutil.copytree(cache, data / "practice-vectors")
        practice = Practice(replace(config, data_dir=data))
        print(f"load average at start: {_load()}")
        start = time.perf_counter()
        scorer = practice.scorer()
        bank = len(scorer._columns)
        print(f"reference vectors ready in {time.perf_counter() - start:.1f} s ({bank} sentences; "
              f"{'embedded from an empty cache' if cold or not cache.is_dir() else 'from the cache'})")
        cases = load_practice_set(REPO / "eval" / "practice.yaml", scorer.references)
        for case in cases[:3]:
            practice.feedback(case.question_id, case.text)  # warm-up
        timings, encode = [], []
        for case in cases:
            begin = time.perf_counter()
            practice.feedback(case.question_id, case.text)
            timings.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()
            scorer.vectors.encode(split_sentences(case.text))
            encode.append((time.perf_counter() - begin) * 1000)
        p50, p95 = p50_p95(timings)
        chars = statistics.median(len(c.text) for c in cases)
        print(f"warm scoring of {len(cases)} answers (median {chars:.0f} characters): "
              f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms")
        print(f"  of which embedding the answer's sentences: p50 {p50_p95(encode)[0]:.0f} ms")
        long = [t for t, c in zip(timings, cases) if c.level == "strong"]
        print(f"  strong answers only (the longest, {len(long)}): p50 {statistics.median(long):.0f} ms, "
              f"max {max(long):.0f} ms")
        begin = time.perf_counter()
        for case in cases[:10]:
            practice.submit(case.question_id, case.text, seconds=60)
        print(f"score and store one attempt (SQLite, WAL, one transaction): "
              f"{(time.perf_counter() - begin) * 100:.0f} ms each over 10")
        print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
