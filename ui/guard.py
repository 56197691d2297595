"""Who may talk to the server, checked in front of everything (Gradio's own CORS layer included).

- ``Host`` must be a name the server is bound to (probe N5: a DNS-rebinding page is otherwise
  same-origin with a 127.0.0.1 server): the loopback names, the ``--host`` value, the ``--share``
  link's host once it exists, any address literal when bound to every interface, and the names in
  ``RAG_ALLOWED_HOSTS`` (comma-separated, for a reverse proxy that passes its own name on).
- A request that carries an ``Origin`` must come from the page's own origin; others get 403 before
  Gradio could answer their CORS preflight, so no other origin (another localhost port included)
  may read or write through the server.
- Every response forbids framing (``X-Frame-Options: DENY``, ``frame-ancestors 'none'``).
- The client's address is the socket peer's: uvicorn's proxy-header handling is off (probe N4: it
  trusted ``X-Forwarded-For`` from 127.0.0.1, so a local client could pick any address).
- Each request's headers must arrive within ``HEADER_TIMEOUT`` seconds (probe N12: uvicorn's h11
  server never times out a client that sends its headers slowly; ``timeout_keep_alive`` only
  applies between requests and is cancelled by the first byte).

``guarded_uvicorn`` installs the guard, the header deadline and the proxy-header setting in the uvicorn server that
Gradio starts, which takes no such settings of its own.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
ALLOWED_HOSTS_ENV = "RAG_ALLOWED_HOSTS"
HEADER_TIMEOUT = 10.0  # seconds for a request's headers, from the connection (or the last response) on
FRAMING_HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'")]
DEFAULT_PORTS = {80, 443}


def host_name(value: str) -> str:
    """The name part of a ``Host`` value or URL netloc: lower case, no port, no brackets, no final dot."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostNames:
    """The host names a server answers to; ``allow`` adds one later (the ``--share`` link's host)."""

    def __init__(self, bound: str, extra: Iterable[str] = ()):
        self.any_address = bound.strip("[]") in WILDCARD_HOSTS
        self.names = {*LOOPBACK_NAMES, *(host_name(n) for n in extra if n.strip())}
        if not self.any_address:
            self.names.add(host_name(bound))

    @classmethod
    def for_server(cls, bound: str, environ: dict[str, str] | None = None) -> HostNames:
        """The names for a server bound to ``bound``, plus those listed in ``RAG_ALLOWED_HOSTS``."""
        environ = os.environ if environ is None else environ
        return cls(bound, environ.get(ALLOWED_HOSTS_ENV, "").split(","))

    def allow(self, url_or_name: str) -> None:
        netloc = urlsplit(url_or_name).netloc if "//" in url_or_name else url_or_name
        self.names.add(host_name(netloc))

    def accepts(self, host: str) -> bool:
        """Whether a ``Host`` header value names this server.

        An address literal cannot be a rebinding attack (the page's origin is then that address), so a
        server bound to every interface accepts any; names must be listed.
        """
        name = host_name(host)
        return name in self.names or (self.any_address and _is_address(name))


def _authority(netloc: str) -> tuple[str, int | None]:
    """(name, port) of a netloc, a default port counted as none (a --share link is https outside, http here)."""
    try:
        port = urlsplit("//" + netloc).port
    except ValueError:
        port = -1  # a malformed port matches nothing real
    return host_name(netloc), None if port in DEFAULT_PORTS else port


def same_origin(origin: str, host: str) -> bool:
    """Whether an ``Origin`` header names the server the request was sent to (its ``Host``)."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (sandboxed frames, file: pages) and anything stranger
    return _authority(parts.netloc) == _authority(host)


class SiteGuard:
    """ASGI middleware: refuses foreign ``Host`` (400) and foreign ``Origin`` (403); adds the framing headers."""

    def __init__(self, app: ASGIApp, hosts: HostNames):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get(b"host", "")
        if host and not self.hosts.accepts(host):
            await _refuse(scope, receive, send, 400, f"unknown host name {host_name(host)!r:.80}: this server "
                          f"answers to {', '.join(sorted(self.hosts.names))}")  # fmt: skip
            return
        origin = headers.get(b"origin")
        if origin is not None and not same_origin(origin, host):
            await _refuse(scope, receive, send, 403, "cross-origin requests are refused: use the page itself")
            return

        async def send_with_framing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *FRAMING_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_framing if scope["type"] == "http" else send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *FRAMING_HEADERS]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request's headers (a slowloris client is dropped).

    The deadline starts when the connection opens and again when a response completes (the next
    request's headers are then awaited); it ends when h11 has read a whole request head.
    """

    header_timeout: float = HEADER_TIMEOUT
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def _watch_headers(self) -> None:
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if not waiting:
            self._stop_deadline()
        elif self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


class _Uvicorn:
    """Stands in for the ``uvicorn`` module inside ``gradio.http_server``: its ``Config`` adds our settings."""

    def __init__(self, real: Any, hosts: HostNames):
        self._real = real
        self._hosts = hosts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def Config(self, app: ASGIApp, **kwargs: Any) -> Any:  # noqa: N802 (uvicorn's name)
        # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any loopback peer as the
        # client's address, so anyone could choose the address the password back-off and queue share key on.
        kwargs["proxy_headers"] = False
        return self._real.Config(app=SiteGuard(app, self._hosts), http=HeaderTimeoutProtocol, **kwargs)


@contextmanager
def guarded_uvicorn(hosts: HostNames) -> Iterator[None]:
    """While active, the uvicorn server Gradio's ``launch`` starts runs behind ``SiteGuard`` with header deadlines."""
    import gradio.http_server as gradio_http

    real = gradio_http.uvicorn
    gradio_http.uvicorn = _Uvicorn(real, hosts)
    try:
        yield
    finally:
        gradio_http.uvicorn = real


def check_installed(server: Any) -> None:
    """Raise unless ``server`` (a started uvicorn server) runs behind the guard: never serve unguarded."""
    config = getattr(server, "config", None)
    if (
        not isinstance(getattr(config, "app", None), SiteGuard)
        or config.http is not HeaderTimeoutProtocol
        or config.proxy_headers
    ):
        raise RuntimeError("the server guard could not be installed in Gradio's uvicorn server; refusing to serve")


@contextmanager
def guarded_launch(demo: Any, host: str) -> Iterator[HostNames]:
    """Wrap ``demo.launch(...)``: the server it starts is guarded, and a ``--share`` link's host is accepted.

    Raises:
        RuntimeError: the guard could not be installed (the server is closed again).
    """
    hosts = HostNames.for_server(host)
    with guarded_uvicorn(hosts):
        yield hosts
    try:
        check_installed(getattr(demo, "server", None))
    except RuntimeError:
        demo.close()
        raise
    if getattr(demo, "share_url", None):
        hosts.allow(demo.share_url)
