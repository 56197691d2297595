"""An idle server sleeps: with nobody connected, nothing in it wakes up more than about once a second.

An idle ``rag serve`` woke about 70 times a second (1.0 CPU-second a minute, ``benchmarks.idle``):

- Gradio's queue loop looked for new events every 20 ms, and its progress loop for running events
  every 100 ms (``Queue.start_processing``, ``Queue.start_progress_updates``);
- uvicorn's server loop ticks every 100 ms (``Server.main_loop``: it refreshes the Date header once
  a second and looks whether it should stop);
- Gradio's ``Blocks.block_thread`` looks every 100 ms whether the server still runs, on the main thread.

``quiet_queue`` keeps both queue loops' polling while they have work, and makes them wait, when they
have none, until an event joins the queue (``Queue.push``) or starts (``Queue.process_events``) or
the queue closes. ``quiet_server`` has Gradio start a ``QuietServer``, which ticks once a second and is
woken at once to stop. ``wait_until_closed`` waits for the server's thread instead of polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import gradio.http_server as gradio_http
import gradio.queueing as gradio_queueing
from gradio.tunneling import CURRENT_TUNNELS

QUEUE_POLL = 0.02  # s between looks for an event to start while some wait (Gradio's default, 1 ms, cost 6 % of a core)
PROGRESS_POLL = 0.1  # s between looks for progress to send while events run (Gradio's default: 10 ms)
RECHECK = 5.0  # s an idle loop waits at most before it looks again anyway: a missed wake-up costs no more
TICK = 1.0  # s between the server's ticks (uvicorn's: 0.1 s); the Date header is refreshed at each, as uvicorn does


class Doorbell:
    """Wakes every task waiting for it at once; may be rung from any thread."""

    def __init__(self) -> None:
        self._waiting: set[asyncio.Future[None]] = set()

    def ring(self) -> None:
        for waiter in list(self._waiting):
            with contextlib.suppress(RuntimeError):  # its event loop has closed
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)

    async def wait(self, timeout: float) -> None:
        """Return when rung, or after ``timeout`` seconds."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiting.discard(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Pause(float):
    """A queue loop's poll interval: slept as such while ``busy()``, else a wait for ``bell`` (up to ``RECHECK``)."""

    bell: Doorbell
    busy: Callable[[], bool]

    def __new__(cls, seconds: float, bell: Doorbell, busy: Callable[[], bool]) -> Pause:
        pause = super().__new__(cls, seconds)
        pause.bell, pause.busy = bell, busy
        return pause

    async def take(self) -> None:
        if self.busy():  # checked and waited for with no await between: a ring cannot slip in
            await _ASYNCIO.sleep(float(self))
        else:
            await self.bell.wait(RECHECK)


class _QueueingAsyncio:
    """Stands in for ``asyncio`` inside ``gradio.queueing``: ``sleep`` takes a ``Pause`` (and only that) as
    a wait for work; everything else is the real module."""

    def __init__(self, real: Any):
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        if isinstance(delay, Pause):
            await delay.take()
            return result
        return await self._real.sleep(delay, result)


_ASYNCIO = asyncio


def _install_queueing_asyncio() -> None:
    if not isinstance(getattr(gradio_queueing, "asyncio", None), _QueueingAsyncio):
        gradio_queueing.asyncio = _QueueingAsyncio(_ASYNCIO)


def quiet_queue(blocks: Any) -> Doorbell:
    """Make the page queue's loops sleep while they have nothing to do (call after ``Blocks.queue``).

    Returns the doorbell rung whenever an event has joined the queue.

    Raises:
        RuntimeError: Gradio's queue no longer looks as this expects.
    """
    queue = getattr(blocks, "_queue", None)
    needed = ("sleep_when_free", "progress_update_sleep_when_free", "active_jobs", "push", "process_events", "close")
    if queue is None or not all(hasattr(queue, n) for n in needed) or not hasattr(gradio_queueing, "asyncio"):
        raise RuntimeError("Gradio's queue has changed: its idle polling cannot be set")
    arrivals, starts = Doorbell(), Doorbell()
    queue.sleep_when_free = Pause(max(queue.sleep_when_free, QUEUE_POLL), arrivals, lambda: len(queue) > 0)
    queue.progress_update_sleep_when_free = Pause(
        max(queue.progress_update_sleep_when_free, PROGRESS_POLL),
        starts,
        lambda: any(job is not None for job in queue.active_jobs),
    )
    queue.push = _ring_after(queue.push, arrivals)
    queue.process_events = _ring_before(queue.process_events, starts)
    queue.close = _ring_after_close(queue.close, arrivals, starts)
    _install_queueing_asyncio()
    return arrivals


def _ring_after(push: Callable[..., Any], bell: Doorbell) -> Callable[..., Any]:
    @functools.wraps(push)
    async def pushed(*args: Any, **kwargs: Any) -> Any:
        try:
            return await push(*args, **kwargs)
        finally:
            bell.ring()

    return pushed


def _ring_before(process: Callable[..., Any], bell: Doorbell) -> Callable[..., Any]:
    @functools.wraps(process)
    async def processing(*args: Any, **kwargs: Any) -> Any:
        bell.ring()
        return await process(*args, **kwargs)

    return processing


def _ring_after_close(close: Callable[[], None], *bells: Doorbell) -> Callable[[], None]:
    @functools.wraps(close)
    def closed() -> None:
        close()
        for bell in bells:
            bell.ring()

    return closed


class QuietServer(gradio_http.Server):
    """Gradio's uvicorn server, ticking once a second instead of ten times, and stopped at once by ``close``."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stop = Doorbell()

    async def main_loop(self) -> None:
        counter = 0  # uvicorn's ticks count tenths of a second; each of these is ten of them
        while not await self.on_tick(counter):
            await self._stop.wait(TICK)
            counter = (counter + 10) % 864_000

    def close(self) -> None:
        self.should_exit = True
        self._stop.ring()
        super().close()


@contextlib.contextmanager
def quiet_server() -> Iterator[None]:
    """While active, the server Gradio's ``launch`` starts is a ``QuietServer``."""
    real = gradio_http.Server
    gradio_http.Server = QuietServer
    try:
        yield
    finally:
        gradio_http.Server = real


def wait_until_closed(demo: Any) -> None:
    """``Blocks.block_thread`` without its ten looks a second: wait for the server's thread to end.

    Ctrl+C closes the server (and a ``--share`` tunnel), as ``block_thread`` does.
    """
    thread = getattr(getattr(demo, "server", None), "thread", None)
    if thread is None:
        demo.block_thread()
        return
    try:
        thread.join()
    except KeyboardInterrupt:
        print("Keyboard interruption in main thread... closing server.")
        demo.close()
        for tunnel in CURRENT_TUNNELS:
            tunnel.kill()
