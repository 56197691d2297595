"""Load benchmark: concurrent clients search the running server while the index is rebuilt.

Run: ``python -m benchmarks.load [--clients 20] [--searches 200]``. Starts ``rag serve`` on a free
loopback port over a temporary copy of the corpus, sends every client's searches through
``gradio_client``, triggers a full rebuild half-way, and prints errors, throughput and latency.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import REPO, eval_queries, p50_p95


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server did not start at {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200, help="searches per client")
    args = parser.parse_args()
    from gradio_client import Client

    queries = eval_queries()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen(
            [sys.executable, "-m", "rag", "--config", str(REPO / "rag.yaml"), "--corpus", str(corpus),
             "--index", str(Path(tmp) / "index"), "serve", "--port", str(port)],
            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            wait_for(url, 300)
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            half = threading.Event()
            done_count = [0]
            total = args.clients * args.searches

            def client_loop(n: int) -> None:
                client = Client(url, verbose=False)
                for i in range(args.searches):
                    query = queries[(n * args.searches + i) % len(queries)]
                    start = time.perf_counter()
                    try:
                        _, data = client.predict(query, api_name="/search")
                        if not data["results"]:
                            raise ValueError(f"no results for {query!r}")
                        ok = True
                    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                        ok = False
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")
                    with lock:
                        if ok:
                            latencies.append((time.perf_counter() - start) * 1000)
                        done_count[0] += 1
                        if done_count[0] >= total // 2:
                            half.set()

            rebuild_window: list[float] = []

            def rebuild() -> None:
                half.wait()
                target = corpus / "part2" / "2.5-hallucination.md"
                target.write_text(target.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
                start = time.perf_counter()
                summary, _ = Client(url, verbose=False).predict(True, "", api_name="/rebuild")
                rebuild_window.extend([start, time.perf_counter()])
                print(f"rebuild during load: {summary.splitlines()[0]}")

            threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
            rebuilder = threading.Thread(target=rebuild)
            started = time.perf_counter()
            for thread in [*threads, rebuilder]:
                thread.start()
            for thread in [*threads, rebuilder]:
                thread.join()
            elapsed = time.perf_counter() - started
            p50, p95 = p50_p95(latencies)
            print(f"clients {args.clients} x searches {args.searches} = {total} requests in {elapsed:.1f} s")
            print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
            print(f"throughput: {len(latencies) / elapsed:.1f} searches/s")
            print(f"latency through the server: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
            if rebuild_window:
                print(f"full rebuild took {rebuild_window[1] - rebuild_window[0]:.1f} s while searches continued")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
