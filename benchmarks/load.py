"""Load benchmark: concurrent clients search a running server through the JSON API and through Gradio.

Run: ``python -m benchmarks.load [--clients 20] [--searches 200] [--paths api,gradio] [--unique] [--hostile]
[--no-rebuild] [--baseline DIR]``.
Starts ``rag serve`` on a free loopback port over a temporary copy of the corpus (and of the
checkout's index, when it has one), then for each path in turn sends every client's searches
(``GET /api/search`` with httpx, or Gradio's ``/search`` through its queue as the page does, or with
``gradio_client`` for path ``gradio_client``), triggers a full rebuild through the same path
half-way (not with ``--no-rebuild``), and prints errors, throughput and latency side by side. A
Gradio join refused with 429 (more than 8 events waiting from one address: every client here is
127.0.0.1) is sent again after its ``Retry-After`` and counted. Queries are the dev and held-out
eval questions in turn; ``--unique`` makes every request's text distinct with a short tag
(`` #client-search/run``, about 3 tokens), so no query embedding comes from the cache.
``--hostile`` adds one more client that posts the largest batch the server accepts (64 distinct
questions of 500 characters, or as many as fit its character limit) in a loop for the whole run.
``--baseline DIR`` first runs the same load against a server started from the code in DIR (e.g. a
``git worktree`` of an older commit), so the two are printed side by side. The load average is
printed with each table: the clients share the machine's cores with the server, and anything else
running makes the figures noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import REPO, eval_queries, p50_p95

Search = Callable[[str], int]  # one search; returns the number of results (0 counts as an error)


@dataclass
class Run:
    """What one path did under load."""

    path: str
    requests: int = 0
    done: list[tuple[float, float]] = field(default_factory=list)  # (finished at, latency ms) per search
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0  # from the first search sent to the last one answered
    rebuild: str = ""
    rebuild_window: tuple[float, float] = (0.0, 0.0)
    hostile: str = ""  # with --hostile: what the batch client managed meanwhile
    retried: int = 0  # Gradio joins refused with 429 (8 events waiting from one address) and sent again

    @property
    def latencies(self) -> list[float]:
        return [ms for _, ms in self.done]

    def during_rebuild(self) -> list[float]:
        start, end = self.rebuild_window
        return [ms for at, ms in self.done if start <= at <= end]


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


def api_client(url: str) -> tuple[Search, Callable[[], str]]:
    import httpx

    http = httpx.Client(base_url=url + "api", timeout=300)

    def search(query: str) -> int:
        reply = http.get("/search", params={"q": query})
        reply.raise_for_status()
        return len(reply.json()["results"])

    def rebuild() -> str:
        reply = http.post("/rebuild", json={"full": True})
        reply.raise_for_status()
        return reply.json()["summary"]

    return search, rebuild


class GradioQueue:
    """A lean client of Gradio's queue, speaking the same protocol as the page in a browser.

    ``gradio_client`` spent 50-70 ms of CPU per call here (more than the server), so with clients
    and server on the same two cores it measured mostly itself; this costs about 2 ms a call.
    """

    def __init__(self, url: str):
        import httpx

        self.http = httpx.Client(base_url=url + "gradio_api", timeout=300)
        self.session = uuid.uuid4().hex
        self.refused = 0  # joins answered 429 (too many waiting from this address) and sent again
        config = self.http.get(url + "config").json()
        self.fn = {d["api_name"]: d["id"] for d in config["dependencies"] if d.get("api_name")}

    def call(self, api_name: str, data: list) -> list:
        """Join the queue with one event and read this session's event stream until it completes."""
        body = {"data": data, "event_data": None, "fn_index": self.fn[api_name], "trigger_id": None,
                "session_hash": self.session}  # fmt: skip
        for _ in range(600):  # a page from the same address with 8 events waiting is asked to retry (429)
            joined = self.http.post("/queue/join", json=body)
            if joined.status_code != 429:
                break
            self.refused += 1
            time.sleep(float(joined.headers.get("retry-after", "1")))
        joined.raise_for_status()
        with self.http.stream("GET", "/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output")))
                    return message["output"]["data"]
        raise RuntimeError("the event stream ended without a result")


QUEUES: list[GradioQueue] = []


def gradio_queue(url: str) -> tuple[Search, Callable[[], str]]:
    queue = GradioQueue(url)
    QUEUES.append(queue)
    return (
        lambda query: len(queue.call("search", [query, 5, "all"])[1]["results"]),
        lambda: queue.call("rebuild", [True, ""])[0].splitlines()[0],
    )


def gradio_client(url: str) -> tuple[Search, Callable[[], str]]:
    from gradio_client import Client

    client = Client(url, verbose=False)

    def search(query: str) -> int:
        _, data = client.predict(query, api_name="/search")
        return len(data["results"])

    def rebuild() -> str:
        summary, _ = client.predict(True, "", api_name="/rebuild")
        return summary.splitlines()[0]

    return search, rebuild


CLIENTS = {"api": api_client, "gradio": gradio_queue, "gradio_client": gradio_client}
HOSTILE_SIZES = [(64, 500), (16, 500)]  # questions x characters: the old limit (64 per request), then 8,000 chars


def hostile_loop(url: str, stop: threading.Event) -> str:
    """Post the largest batch of distinct long questions the server takes, again and again until ``stop``."""
    import httpx

    http = httpx.Client(base_url=url + "api", timeout=300)
    sizes, sent, latencies, refused = list(HOSTILE_SIZES), 0, [], 0
    while not stop.is_set() and sizes:
        count, chars = sizes[0]
        batch = [
            (f"{sent}-{n} " + "大模型幻觉怎么处理 how do you handle hallucinations " * 20)[:chars] for n in range(count)
        ]
        start = time.perf_counter()
        reply = http.post("/search", json={"q": batch, "k": 1})
        if reply.status_code == 413:
            sizes.pop(0)
            refused += 1
            continue
        reply.raise_for_status()
        latencies.append((time.perf_counter() - start) * 1000)
        sent += 1
    if not sizes:
        return "every batch size was refused"
    p50, p95 = _p50_p95(latencies)
    return (f"{sent} batches of {sizes[0][0]} x {sizes[0][1]} characters ({refused} larger refused), "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")  # fmt: skip


_DRIVES = itertools.count()  # drive() calls so far in this process


def drive(path: str, url: str, clients: int, searches: int, queries: list[str], unique: bool,
          hostile: bool = False, rebuild_too: bool = True) -> Run:  # fmt: skip
    """``clients`` threads each send ``searches`` searches; a full rebuild starts when half are done.

    With ``hostile``, one more client posts maximal batches in a loop until the searches are over.
    """
    run = Run(path, requests=clients * searches)
    lock = threading.Lock()
    half = threading.Event()
    done = [0]
    sessions = [CLIENTS[path](url) for _ in range(clients)]
    # A short tag, distinct for each path driven against this server: e5's cost grows with the tokens
    # (about 1.5 CPU-ms each), and the 19-digit time stamp used before made the queries 57 % longer
    # (29.7 tokens on average, against 18.9 for the eval questions; this tag: 22).
    salt = f"/{next(_DRIVES)}" if unique else ""

    def client_loop(n: int) -> None:
        search, _ = sessions[n]
        for i in range(searches):
            query = queries[(n * searches + i) % len(queries)]
            query = f"{query} #{n}-{i}{salt}" if unique else query
            start = time.perf_counter()
            try:
                if not search(query):
                    raise ValueError(f"no results for {query!r}")
                now = time.perf_counter()
                with lock:
                    run.done.append((now, (now - start) * 1000))
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    run.errors.append(f"{type(exc).__name__}: {exc}")
            with lock:
                done[0] += 1
                if done[0] >= run.requests // 2:
                    half.set()

    def rebuild() -> None:
        if not rebuild_too:
            return
        half.wait()
        start = time.perf_counter()
        try:
            run.rebuild = CLIENTS[path](url)[1]()
        except Exception as exc:  # noqa: BLE001 - reported with the results
            run.rebuild = f"rebuild failed: {type(exc).__name__}: {exc}"
        run.rebuild_window = (start, time.perf_counter())

    stop = threading.Event()

    def hog() -> None:
        try:
            run.hostile = hostile_loop(url, stop)
        except Exception as exc:  # noqa: BLE001 - reported with the results
            run.hostile = f"failed: {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    rebuilder = threading.Thread(target=rebuild)
    hogs = [threading.Thread(target=hog)] if hostile else []
    for thread in hogs:
        thread.start()
    time.sleep(1.0 if hostile else 0.0)  # the first large batch is being encoded when the searches start
    started = time.perf_counter()
    for thread in [*threads, rebuilder]:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = max((at for at, _ in run.done), default=time.perf_counter()) - started
    stop.set()
    for thread in hogs:
        thread.join()
    rebuilder.join()  # the next path starts only when this rebuild is over
    run.retried = sum(q.refused for q in QUEUES)
    QUEUES.clear()
    return run


def _p50_p95(values: list[float]) -> tuple[float, float]:
    return p50_p95(values) if values else (float("nan"), float("nan"))


def report(runs: list[Run]) -> None:
    """One row per path; throughput counts answered searches over the time the searches took."""
    header = (
        f"{'path':<14}{'requests':>9}{'errors':>8}{'seconds':>9}{'searches/s':>12}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'in rebuild':>12}{'p50 ms':>8}{'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        p50, p95 = _p50_p95(run.latencies)
        during = run.during_rebuild()
        r50, r95 = _p50_p95(during)
        print(
            f"{run.path:<14}{run.requests:>9}{len(run.errors):>8}{run.seconds:>9.1f}"
            f"{len(run.done) / run.seconds:>12.1f}{p50:>8.0f}{p95:>8.0f}{len(during):>12}{r50:>8.0f}{r95:>8.0f}"
        )
    print("('in rebuild': searches answered while the full rebuild ran, and their latency)")
    for run in runs:
        start, end = run.rebuild_window
        last = max((at for at, _ in run.done), default=end)
        order = "after" if end > last else "before"
        if run.rebuild:  # none with --no-rebuild
            print(f"{run.path}: full rebuild took {end - start:.1f} s, ending {order} the last search: {run.rebuild}")
        if run.retried:
            print(f"{run.path}: {run.retried} joins were refused with 429 (8 waiting from one address) and sent again")
        if run.hostile:
            print(f"{run.path}: the batch client meanwhile: {run.hostile}")
        if run.errors:
            print(f"{run.path}: first error: {run.errors[0]}")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


@contextmanager
def served(code: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``rag serve`` from the code in ``code`` over a fresh copy of the corpus: yields its URL and process."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        if (REPO / "index" / "current").exists():  # start from the checkout's index: no full build at start
            shutil.copytree(REPO / "index", Path(tmp) / "index", symlinks=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {k: v for k, v in os.environ.items() if k != "RAG_PASSWORD"}
        server = subprocess.Popen(
            [sys.executable, "-m", "rag", "--config", str(REPO / "rag.yaml"), "--corpus", str(corpus),
             "--index", str(Path(tmp) / "index"), "serve", "--port", str(port), *options],
            env={**env, "PYTHONPATH": str(code)}, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(url, 600)
            yield url, server
        finally:
            server.terminate()
            server.wait(timeout=30)


def serve_and_drive(code: Path, args: argparse.Namespace, paths: list[str], queries: list[str]) -> list[Run]:
    """Start ``rag serve`` from the code in ``code`` over a fresh copy of the corpus and drive every path."""
    with served(code) as (url, _):
        return [drive(p, url, args.clients, args.searches, queries, args.unique, args.hostile, args.rebuild)
                for p in paths]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200, help="searches per client")
    parser.add_argument("--paths", default="api,gradio", help="comma-separated: api, gradio, gradio_client")
    parser.add_argument("--unique", action="store_true", help="make every query distinct (no cached embeddings)")
    parser.add_argument("--hostile", action="store_true", help="one more client posts maximal batches in a loop")
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false", help="no full rebuild half-way")
    parser.add_argument(
        "--baseline", type=Path, help="first run the same against a server from the code in this folder"
    )
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    if unknown := set(paths) - set(CLIENTS):
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    queries = eval_queries()
    print(f"clients {args.clients} x searches {args.searches} per path; queries: "
          f"{'all distinct' if args.unique else f'{len(queries)} eval questions in turn'}"
          f"{'; plus one client posting maximal batches' if args.hostile else ''}; {os.cpu_count()} cores")  # fmt: skip
    servers = ([("baseline " + str(args.baseline), args.baseline.resolve())] if args.baseline else []) + [
        ("this checkout", REPO)
    ]
    for name, code in servers:
        print(f"\n== server from {name} (load average before: {load_average()})")
        report(serve_and_drive(code, args, paths, queries))
        print(f"(load average after: {load_average()})")


if __name__ == "__main__":
    main()
