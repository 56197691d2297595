"""Practice scoring speed: preparing the reference vectors, then scoring each answer of the scoring set warm.

Run: ``python -m benchmarks.practice [--threads N] [--cold]`` (about a minute on 2 cores; ``--cold`` also
times embedding the whole bank from an empty cache). Scoring embeds every sentence of the answer with
the index's embedder (e5-small by default) and compares it with the bank's reference sentences; the
figures to watch are the warm p50 per answer and the strong (full-length) answers. Ways of embedding
the answer's sentences are timed side by side on the same answers. The load average is printed
because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from benchmarks.common import REPO, p50_p95
from rag import load_config
from rag.practice import Practice
from rag.practice.evaluate import load_practice_set
from rag.practice.keypoints import split_sentences

SHORT_CHARS = 12


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _ms(fn: Callable[..., object], *args: object) -> float:
    begin = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - begin) * 1000


def merge_short(sentences: list[str], shortest: int = SHORT_CHARS) -> list[str]:
    """Sentences shorter than ``shortest`` characters joined to the next one (the last to the previous)."""
    out: list[str] = []
    carry = ""
    for sentence in sentences:
        carry = f"{carry} {sentence}".strip()
        if len(carry) >= shortest:
            out.append(carry)
            carry = ""
    if carry:
        out[-1:] = [f"{out[-1]} {carry}" if out else carry]
    return out


def _row(label: str, timings: list[float], strong: list[bool]) -> str:
    p50, p95 = p50_p95(timings)
    long = [t for t, s in zip(timings, strong) if s]
    return (f"  {label:46s} p50 {p50:4.0f} ms  p95 {p95:4.0f} ms  max {max(timings):4.0f} ms  "
            f"strong p50 {statistics.median(long):4.0f} ms  max {max(long):4.0f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, help="CPU threads of the embedder (default: rag.yaml)")
    parser.add_argument(
        "--cold", action="store_true", help="embed the bank from an empty vector cache, without the shipped vectors"
    )
    args = parser.parse_args(argv)
    config = load_config(REPO / "rag.yaml")
    if args.threads:
        config = replace(config, threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        cache = config.data_dir / "practice-vectors"
        if cache.is_dir() and not args.cold:
            shutil.copytree(cache, data / "practice-vectors")
        seed = Path(tmp) / "no-shipped-vectors" if args.cold else config.seed_vectors
        practice = Practice(replace(config, data_dir=data, seed_vectors=seed))
        print(f"load average at start: {_load()}; embedder threads: {config.cpu_threads}")
        start = time.perf_counter()
        scorer = practice.scorer()
        print(f"reference vectors ready in {time.perf_counter() - start:.1f} s ({len(scorer._columns)} sentences; "
              f"{'embedded from an empty cache' if args.cold else 'from the cache' if cache.is_dir() else 'shipped'})")
        cases = load_practice_set(REPO / "eval" / "practice.yaml", scorer.references)
        embedder = scorer.vectors.embedder
        for case in cases[:3]:
            practice.feedback(case.question_id, case.text)  # warm-up
        rows: dict[str, list[float]] = {k: [] for k in ("each", "batch", "merged", "fresh", "again", "typed")}
        tokens = merged_tokens = 0
        for case in cases:
            sentences = split_sentences(case.text)
            merged = merge_short(sentences)
            rows["each"].append(sum(_ms(embedder.encode_queries, [s]) for s in sentences))
            rows["batch"].append(_ms(embedder.encode_queries, sentences))
            rows["merged"].append(_ms(embedder.encode_queries, merged))
            scorer.vectors.forget_answers()
            rows["fresh"].append(_ms(practice.feedback, case.question_id, case.text))
            rows["again"].append(_ms(practice.feedback, case.question_id, case.text))
            scorer.vectors.forget_answers()
            practice.prepare(case.text[: case.text.rfind(sentences[-1])])  # as the answer was typed
            rows["typed"].append(_ms(practice.feedback, case.question_id, case.text))
            if hasattr(getattr(embedder, "_model", None), "token_count"):
                tokens += sum(embedder._model.token_count(s, True) for s in sentences)
                merged_tokens += sum(embedder._model.token_count(s, True) for s in merged)
        strong = [c.level == "strong" for c in cases]
        chars = statistics.median(len(c.text) for c in cases)
        print(f"{len(cases)} answers (median {chars:.0f} characters; {sum(strong)} strong, the longest)")
        if tokens:
            print(f"tokens fed to the model: {tokens} as sentences, {merged_tokens} with sentences under "
                  f"{SHORT_CHARS} characters merged")
        print("embedding the answer's sentences:")
        print(_row("one call per sentence", rows["each"], strong))
        print(_row("one call for all sentences", rows["batch"], strong))
        print(_row(f"one call, sentences < {SHORT_CHARS} chars merged", rows["merged"], strong))
        print("warm scoring of an answer (embedding, matching, delivery):")
        print(_row("a new answer, nothing embedded before", rows["fresh"], strong))
        print(_row("the same answer submitted again", rows["again"], strong))
        print(_row("sentences embedded while typed (not the last)", rows["typed"], strong))
        own = load_practice_set(REPO / "eval" / "practice-unexpected.yaml", scorer.references)
        own_times = []
        for case in own:
            scorer.vectors.forget_answers()
            own_times.append(_ms(scorer.score, case.reference, case.text))
        print(_row(f"a question of your own, new answer ({len(own)})", own_times, [c.level == "strong" for c in own]))
        begin = time.perf_counter()
        for case in cases[:10]:
            practice.submit(case.question_id, case.text, seconds=60)
        print(f"score and store one attempt (SQLite, WAL, one transaction): "
              f"{(time.perf_counter() - begin) * 100:.0f} ms each over 10")
        print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
