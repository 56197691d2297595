"""The rebuild password: constant-time check, and wrong guesses slowed down without holding a thread.

Clients are told apart by the socket peer's address (``ui.guard`` starts uvicorn without its
proxy-header handling, so ``X-Forwarded-For`` cannot choose it; probe N4), or behind a proxy by page
session (``ui.clients``), and all clients together also have a failure budget, so guessing from many
addresses, or many made-up sessions, is slowed down as well.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


class WrongPassword(Exception):
    """The password given does not match."""


class TooManyAttempts(Exception):
    """This client guessed wrong too often; it must wait ``retry_after`` seconds before trying again."""

    def __init__(self, retry_after: float):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many wrong passwords: try again in {self.retry_after} s")


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


class PasswordGate:
    """Checks the rebuild password (no password set: everyone may rebuild).

    After ``FREE_ATTEMPTS`` wrong guesses from one client, each further attempt is refused at once
    for a delay that doubles with every wrong guess, up to ``MAX_DELAY`` seconds; a right password
    clears the count. Refusing instead of sleeping means a flood of guesses never ties up threads.

    All clients together may guess wrong ``GLOBAL_FREE_ATTEMPTS`` times within ``GLOBAL_WINDOW``
    seconds; past that every attempt, from any client, is refused for the same doubling delay after
    the last wrong guess (a right password does not clear this count: it only ages out), so rotating
    addresses does not buy more guesses than about 30 per 10 minutes.
    """

    FREE_ATTEMPTS = 5
    BASE_DELAY = 1.0
    MAX_DELAY = 60.0
    MAX_CLIENTS = 10_000  # clients remembered (least recently failed forgotten first)
    GLOBAL_FREE_ATTEMPTS = 30  # wrong guesses from all clients together within GLOBAL_WINDOW before all wait
    GLOBAL_WINDOW = 600.0

    def __init__(self, password: str | None, clock: Callable[[], float] = time.monotonic):
        if password is not None and not password:
            raise ValueError("the rebuild password must not be empty")
        self._password = password.encode("utf-8") if password is not None else None
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._recent: deque[float] = deque()  # when each wrong guess within GLOBAL_WINDOW was made, any client
        self._all_blocked_until = 0.0
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self._password is not None

    def check(self, given: object, client: str) -> None:
        """Return when ``given`` may rebuild.

        Raises:
            TooManyAttempts: the client must wait first (the password is not even compared).
            WrongPassword: wrong or missing password.
        """
        if self._password is None:
            return
        with self._lock:  # checked, compared and counted at once: concurrent guesses cannot pass together
            now = self._clock()
            record = self._failures.get(client)
            blocked_until = max(record.blocked_until if record is not None else 0.0, self._all_blocked_until)
            if now < blocked_until:
                raise TooManyAttempts(blocked_until - now)
            if isinstance(given, str) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self._password):
                self._failures.pop(client, None)
                return
            record = self._failures.pop(client, None) or _Failures()
            record.count += 1
            if record.count >= self.FREE_ATTEMPTS:
                record.blocked_until = now + self._delay(record.count - self.FREE_ATTEMPTS)
            self._failures[client] = record
            while len(self._failures) > self.MAX_CLIENTS:
                self._failures.popitem(last=False)
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - self.GLOBAL_WINDOW:
                self._recent.popleft()
            if len(self._recent) >= self.GLOBAL_FREE_ATTEMPTS:
                self._all_blocked_until = now + self._delay(len(self._recent) - self.GLOBAL_FREE_ATTEMPTS)
        raise WrongPassword("wrong password: the index was not rebuilt")

    def _delay(self, beyond: int) -> float:
        """The wait after ``beyond`` wrong guesses past the free ones: doubling from BASE_DELAY up to MAX_DELAY."""
        return min(self.BASE_DELAY * 2 ** min(beyond, 32), self.MAX_DELAY)
