"""Drop page results that nobody collects (probe N10): a session whose messages wait unread is let go.

Gradio keeps every message for a page session (progress, estimations, the result itself) in
``Queue.pending_messages_per_session`` until the session's event stream (``/queue/data``) reads it.
A client that joins events and never opens that stream leaves them there for good: 200 such joins
held 220 MiB after the queue had drained. Gradio lets a session go only when its open stream
disconnects; this does the same (``clean_events`` and dropping the session's messages) for a
session whose oldest message has waited unread for ``after`` seconds. An open stream reads each
message within milliseconds, so only clients that went away, or never came, are dropped; their
events still waiting in the queue are removed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

UNCOLLECTED_AFTER = 30.0  # s a message may wait unread before its session is dropped (a stream reads it in ms)
SWEEP_EVERY = 5.0  # s between looks at the waiting messages


class UncollectedSweeper:
    """Finds sessions whose oldest message has waited unread for ``after`` seconds and drops them."""

    def __init__(self, blocks: Any, after: float | None = None, every: float | None = None):
        self.blocks = blocks
        self.after = UNCOLLECTED_AFTER if after is None else after
        self.every = SWEEP_EVERY if every is None else every
        self._heads: dict[str, tuple[object, float]] = {}  # session -> (its oldest waiting message, seen since)
        self.dropped = 0  # sessions dropped since start

    def _queue(self) -> Any:
        queue = getattr(self.blocks, "_queue", None)
        if not all(hasattr(queue, n) for n in ("pending_messages_per_session", "pending_event_ids_session")):
            raise RuntimeError("Gradio's queue has changed: uncollected results cannot be found")
        return queue

    def stale(self, now: float) -> list[str]:
        """Sessions whose oldest waiting message is the one seen there ``after`` seconds ago or more."""
        heads: dict[str, tuple[object, float]] = {}
        out = []
        for session, messages in list(self._queue().pending_messages_per_session.items()):
            waiting = getattr(messages, "_queue", None)  # asyncio.Queue's deque; empty for an idle page
            if not waiting:
                continue
            head = waiting[0]
            seen, since = self._heads.get(session, (None, now))
            since = since if seen is head else now
            heads[session] = (head, since)
            if now - since >= self.after:
                out.append(session)
        self._heads = heads
        return out

    async def sweep(self, now: float | None = None) -> list[str]:
        """Drop every stale session as Gradio does when a stream disconnects; returns the sessions dropped."""
        queue = self._queue()
        sessions = self.stale(time.monotonic() if now is None else now)
        for session in sessions:
            await queue.clean_events(session_hash=session)  # its events still waiting, and running ones' output
            queue.pending_messages_per_session.pop(session, None)
            queue.pending_event_ids_session.pop(session, None)
            self._heads.pop(session, None)
        self.dropped += len(sessions)
        return sessions

    async def run(self) -> None:
        """Sweep every ``every`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.every)
            await self.sweep()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: object) -> AsyncIterator[None]:
        """A server lifespan (``launch(app_kwargs={"lifespan": …})``) that sweeps while the server runs."""
        self._queue()  # fail at start, not silently, if Gradio's queue no longer looks like this
        task = asyncio.create_task(self.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
