"""HTTP limits in front of the whole server (page, Gradio API and JSON API): request size, no uploads."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clients import UNKNOWN, Clients

QUEUE_BUSY = "too many of your requests are waiting: wait for their results before sending more"

MAX_BODY_BYTES = 256 * 1024  # 64 questions of 500 characters, even fully \u-escaped, fit with room to spare
QUEUE_SIZE = 64  # page events waiting in Gradio's queue, all clients together; more are refused ("queue full")
QUEUE_PER_CLIENT = 8  # of those, waiting events from one client (ui.clients); a page has one or two at a time
QUEUE_JOIN = "/gradio_api/queue/join"
UPLOAD_PATHS = ("/gradio_api/upload", "/gradio_api/upload/")
UPLOADS_DISABLED = "uploads are disabled: this app takes no files"


def error_body(message: str, **extra: object) -> bytes:
    return json.dumps({"error": message, **extra}, ensure_ascii=False).encode("utf-8")


class BodyLimit:
    """Answer 413 to any request whose body is larger than ``max_bytes``, before the app reads it.

    A declared Content-Length over the limit is refused at once. Every body is then counted as it
    arrives, whatever its framing says: h11 frames a body by Transfer-Encoding when a request carries
    both headers (probe N1: ``Content-Length: 10`` plus chunked delivered 100 MB), so the declared
    length is never trusted. The body is read up to the limit and handed on whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        framed = b"transfer-encoding" in headers
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        if declared is None and not framed:  # no body at all (h11 reads none without either header)
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.max_bytes)
        if body is None:
            return  # the client went away
        if len(body) > self.max_bytes:
            await self._refuse(send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _refuse(self, send: Send) -> None:
        content = error_body(f"request too large: at most {self.max_bytes} bytes")
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
            (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": content})


async def _read_body(receive: Receive, stop_after: int | None = None) -> bytes | None:
    """The request body, read whole, or only until it is longer than ``stop_after`` bytes; None when the
    client went away first."""
    body, more = b"", True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if stop_after is not None and len(body) > stop_after:
            break
    return body


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app ``body`` (already read, whole) first, then whatever comes next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class QueueShare:
    """Refuse (429) a page event from a client that already has ``per_client`` events waiting in the queue.

    Gradio's queue has a total size (``Blocks.queue(max_size=…)``) but no per-client share: one client
    joining 200 events made everyone else's search wait a minute (probe N10). A client is what
    ``ui.clients`` makes of the request: its socket peer's address, or, from a proxy many visitors
    arrive through (the ``--share`` tunnel, ``RAG_PROXY_ADDRESSES``), its page session, read from the
    join's body (``BodyLimit``, in front, has bounded it). A made-up session is a new client there:
    behind a proxy, only the queue's total size holds against a client that makes up sessions.
    """

    def __init__(self, app: ASGIApp, blocks: object, clients: Clients | None = None,
                 per_client: int = QUEUE_PER_CLIENT):  # fmt: skip
        self.app = app
        self.blocks = blocks
        self.clients = clients or Clients()
        self.per_client = per_client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == QUEUE_JOIN:
            peer = (scope.get("client") or (UNKNOWN, 0))[0]
            client = peer
            if self.clients.proxied(peer):
                body = await _read_body(receive)  # BodyLimit, in front, has bounded it
                if body is None:
                    return  # the client went away
                receive = _replaying(body, receive)
                client = self.clients.key(peer, _session_of(body))
            if self.waiting(client) >= self.per_client:
                content = error_body(QUEUE_BUSY)
                await send({"type": "http.response.start", "status": 429, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
                    (b"retry-after", b"1")]})  # fmt: skip
                await send({"type": "http.response.body", "body": content})
                return
        await self.app(scope, receive, send)

    def waiting(self, client: str) -> int:
        """Events from ``client`` (a ``Clients.key``) waiting in Gradio's queue (not yet running)."""
        queues = getattr(getattr(self.blocks, "_queue", None), "event_queue_per_concurrency_id", {})
        return sum(
            1
            for events in list(queues.values())
            for event in list(getattr(events, "queue", []))
            if self.clients.key(_peer_of(event), getattr(event, "session_hash", None)) == client
        )


def _session_of(body: bytes) -> object:
    """The ``session_hash`` a queue join's JSON body names (None if it names none or is not JSON)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data.get("session_hash") if isinstance(data, dict) else None


def _peer_of(event: object) -> str | None:
    request = getattr(event, "request", None)
    address = getattr(request, "client", None)
    return getattr(address, "host", None)


async def _refuse_upload(request: Request) -> JSONResponse:
    return JSONResponse({"error": UPLOADS_DISABLED}, status_code=403)


def upload_blockers() -> list[Route]:
    """Routes that shadow Gradio's upload endpoint: the page has no file input, so nobody may store files."""
    return [Route(path, _refuse_upload, methods=["POST", "PUT"]) for path in UPLOAD_PATHS]
