"""Whose practice history a page event reads and writes.

A local server (127.0.0.1, no share link) has one history, the same file ``rag practice`` uses: whoever
can reach the page is the machine's user. A shared server (another ``--host``, ``--share``) keeps one
history per browser: on its first visit a browser is given an unguessable token (32 random bytes),
kept in its localStorage (encrypted by Gradio's ``BrowserState`` with a key kept in the data folder, so
it survives restarts), and every practice event sends it. The history lives at
``<data_dir>/practice-browsers/<sha256 of the token>.sqlite3``: reading, writing or deleting a history
takes its token, and an event without a valid token touches none. Page events can be sent by any
client (``/gradio_api/queue/join`` runs any event), so the token, not the page, is what protects a
history.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from collections import OrderedDict

import gradio as gr

from rag.practice import HistoryError, Practice
from rag.practice.history import History

BROWSER_FOLDER = "practice-browsers"
SECRET_FILE = ".page-secret"
STORAGE_KEY = "rag-practice-history"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
KEPT = 256  # per-browser Practice views kept in memory (each only a History and a path)
NO_TOKEN = (
    "这个页面还没有练习记录的钥匙 This page has no practice history key yet: reload the page "
    "(a shared server keeps each browser's history apart)."
)


class Histories:
    """The Practice of each page event: the server's one, or its browser's own on a shared server."""

    def __init__(self, practice: Practice, per_browser: bool):
        self.practice = practice
        self.per_browser = per_browser
        self.folder = practice.data_dir / BROWSER_FOLDER
        self._views: OrderedDict[str, Practice] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, token: str | None) -> str:
        """The browser's token: the one it has, or a new one (on a local server tokens are not used)."""
        if not self.per_browser:
            return ""
        return token if isinstance(token, str) and TOKEN.fullmatch(token) else secrets.token_urlsafe(32)

    def practice_for(self, token: str | None) -> Practice:
        """The Practice over this browser's history.

        Raises:
            HistoryError: a shared server got no valid token (nothing is read or written).
        """
        if not self.per_browser:
            return self.practice
        if not isinstance(token, str) or not TOKEN.fullmatch(token):
            raise HistoryError(NO_TOKEN)
        digest = hashlib.sha256(token.encode("ascii")).hexdigest()[:32]
        with self._lock:
            view = self._views.get(digest)
            if view is None:
                view = self.practice.with_history(History(self.folder / f"{digest}.sqlite3"))
                self._views[digest] = view
                while len(self._views) > KEPT:
                    self._views.popitem(last=False)
            self._views.move_to_end(digest)
            return view

    def state(self) -> gr.components.Component:
        """The component holding the token: kept in the browser on a shared server, unused locally."""
        if not self.per_browser:
            return gr.State("")
        return gr.BrowserState("", storage_key=STORAGE_KEY, secret=self._secret())

    def _secret(self) -> str:
        """The key Gradio encrypts the stored token with, created once (owner-only) in the data folder."""
        path = self.folder / SECRET_FILE
        try:
            return path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            pass
        self.folder.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server process made it first
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secret)
        return secret

