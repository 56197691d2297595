"""Who a page event comes from, for the per-client queue share and the rebuild password's back-off.

A client is its socket peer's address (``ui.guard`` turns uvicorn's proxy headers off, so a client
cannot choose it), except behind a proxy that many visitors arrive through: Gradio's ``--share``
tunnel (its client, frpc, connects from this machine's loopback address) and the reverse proxies
whose addresses are listed in ``RAG_PROXY_ADDRESSES`` (comma-separated). Every visitor behind one has
the proxy's address, so there a client is the page session (Gradio's ``session_hash``, which each
page load makes up) and one visitor cannot use up, or lock out, everyone else's share.

A session hash is only a name the client sends: a hostile client behind a proxy can make up as many
as it likes, each with its own share. What protects a shared link then is what holds for all clients
together: the queue's total size, and the password's global failure budget (``ui.auth``).
"""

from __future__ import annotations

import ipaddress
import os

PROXIES_ENV = "RAG_PROXY_ADDRESSES"
UNKNOWN = "unknown"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


class Clients:
    """Tells clients apart: by address, or by page session for a peer that is a proxy."""

    def __init__(self, proxies: list[str] | tuple[str, ...] = (), tunnel: bool = False):
        self.proxies = {a for a in map(_address, proxies) if a is not None}
        self.tunnel = tunnel  # a --share tunnel: loopback peers are its visitors

    @classmethod
    def for_server(cls, environ: dict[str, str] | None = None) -> Clients:
        """The proxies listed in ``RAG_PROXY_ADDRESSES``; ``launch`` adds the ``--share`` tunnel."""
        environ = os.environ if environ is None else environ
        return cls([a for a in environ.get(PROXIES_ENV, "").split(",") if a.strip()])

    def proxied(self, peer: str | None) -> bool:
        """Whether requests from ``peer`` (a socket address) carry many visitors."""
        address = _address(peer or "")
        return address is not None and (address in self.proxies or (self.tunnel and address.is_loopback))

    def key(self, peer: str | None, session: object = None) -> str:
        """The client a request from ``peer`` with page session ``session`` (None if it has none) counts as."""
        peer = peer or UNKNOWN
        if isinstance(session, str) and session and self.proxied(peer):
            return f"{peer} session {session[:100]}"
        return peer
