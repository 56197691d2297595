"""Idle benchmark: the CPU time and wake-ups of a `rag serve` that nobody is using.

Run: ``python -m benchmarks.idle [--seconds 60] [--repeat 2] [--watch] [--used] [--baseline DIR]``.
Starts ``rag serve`` as ``benchmarks.load`` does (``--watch`` adds the corpus watch), waits until the
page answers (with ``--used``, first sends a few searches through the JSON API and through Gradio's
queue, as a page would, and lets their streams close), lets it settle, then reads the server
process's CPU time (user + system, all threads) and context switches from ``/proc`` before and after
``--seconds`` with no client connected. Prints CPU-seconds, the share of one core, wake-ups per second
(voluntary context switches: each is a thread going back to sleep) and the threads that used any CPU.
``--baseline DIR`` measures a server from the code in DIR first (e.g. a ``git worktree`` of an older
commit), so the two are printed one after the other. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import REPO
from benchmarks.load import GradioQueue, api_client, load_average, served

SETTLE = 10.0  # s between the page answering (or the last search) and the measurement
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    """A process's CPU seconds and voluntary context switches, in total and per thread id."""

    cpu: dict[str, float]
    switches: dict[str, int]

    @classmethod
    def of(cls, pid: int) -> Sample:
        cpu, switches = {}, {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                status = (task / "status").read_text()
            except OSError:  # the thread ended meanwhile
                continue
            cpu[task.name] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
            switches[task.name] = int(status.split("voluntary_ctxt_switches:")[1].split()[0])
        return cls(cpu, switches)


def use(url: str) -> None:
    """A few searches through the JSON API and through Gradio's queue, as a visitor's page would."""
    search, _ = api_client(url)
    queue = GradioQueue(url)
    for question in ("大模型胡说八道怎么办", "What is LoRA?", "How would you evaluate a RAG system?"):
        search(question)
        queue.call("search", [question, 5, "all"])
    queue.http.close()


def measure(code: Path, seconds: float, watch: bool, used: bool) -> str:
    """One idle measurement of a server from the code in ``code``, as one printable paragraph."""
    with served(code, *(["--watch"] if watch else [])) as (url, server):
        if used:
            use(url)
        time.sleep(SETTLE)
        before = Sample.of(server.pid)
        time.sleep(seconds)
        after = Sample.of(server.pid)
    used_cpu = {t: after.cpu[t] - before.cpu.get(t, 0.0) for t in after.cpu}
    total = sum(used_cpu.values())
    wakeups = sum(after.switches[t] - before.switches.get(t, 0) for t in after.switches) / seconds
    busy = sorted(((cpu, t) for t, cpu in used_cpu.items() if cpu > 0), reverse=True)
    threads = ", ".join(f"{t} {cpu:.2f}" for cpu, t in busy) or "none"
    return (f"{total:.2f} CPU-s in {seconds:.0f} s idle ({100 * total / seconds:.2f} % of a core), "
            f"{wakeups:.1f} wake-ups/s, {len(after.cpu)} threads; CPU-s by thread id: {threads}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to measure the idle server")
    parser.add_argument("--repeat", type=int, default=1, help="measurements per server, each a fresh server")
    parser.add_argument("--watch", action="store_true", help="serve with --watch (the corpus watch runs too)")
    parser.add_argument("--used", action="store_true", help="send a few searches first, then measure")
    parser.add_argument("--baseline", type=Path, help="first measure a server from the code in this folder")
    args = parser.parse_args()
    servers = ([("baseline " + str(args.baseline), args.baseline.resolve())] if args.baseline else []) + [
        ("this checkout", REPO)
    ]
    options = " ".join(o for o, on in (("--watch", args.watch), ("--used", args.used)) if on) or "no options"
    print(f"idle rag serve ({options}); {os.cpu_count()} cores")
    for name, code in servers:
        for n in range(args.repeat):
            print(f"server from {name}, run {n + 1} (load average {load_average()}): "
                  f"{measure(code, args.seconds, args.watch, args.used)}")  # fmt: skip


if __name__ == "__main__":
    main()
