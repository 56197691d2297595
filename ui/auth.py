"""The rebuild password: constant-time check, and wrong guesses slowed down per client without holding a thread."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
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
    """

    FREE_ATTEMPTS = 5
    BASE_DELAY = 1.0
    MAX_DELAY = 60.0
    MAX_CLIENTS = 10_000  # clients remembered (least recently failed forgotten first)

    def __init__(self, password: str | None, clock: Callable[[], float] = time.monotonic):
        if password is not None and not password:
            raise ValueError("the rebuild password must not be empty")
        self._password = password.encode("utf-8") if password is not None else None
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
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
        now = self._clock()
        with self._lock:
            record = self._failures.get(client)
            if record is not None and now < record.blocked_until:
                raise TooManyAttempts(record.blocked_until - now)
        if isinstance(given, str) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self._password):
            with self._lock:
                self._failures.pop(client, None)
            return
        with self._lock:
            record = self._failures.pop(client, None) or _Failures()
            record.count += 1
            if record.count >= self.FREE_ATTEMPTS:
                delay = self.BASE_DELAY * 2 ** (record.count - self.FREE_ATTEMPTS)
                record.blocked_until = now + min(delay, self.MAX_DELAY)
            self._failures[client] = record
            while len(self._failures) > self.MAX_CLIENTS:
                self._failures.popitem(last=False)
        raise WrongPassword("wrong password: the index was not rebuilt")
