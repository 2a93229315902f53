"""A burst of requests becomes at most one call per interval, with the last one never lost."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.net.reactor import Reactor, Timer


class Throttle:
    """Calls `fn` at once if the interval has passed, else once at the end of it.

    Like qutebrowser's misc/throttle.py, on a Reactor: a run that reports progress per
    burst (hundreds a second) reaches the GUI at most 1/interval times a second, and the
    final state always arrives because a suppressed request leaves a timer behind.
    Loop thread only.
    """

    def __init__(self, reactor: Reactor, interval: float, fn: Callable[[], None]) -> None:
        self._reactor = reactor
        self._interval = interval
        self._fn = fn
        self._last = -interval
        self._timer: Timer | None = None

    def request(self) -> None:
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = self._reactor.call_later(wait, self.flush)

    def flush(self) -> None:
        """Call now (also when no request is pending) and restart the interval."""
        self.cancel()
        self._last = time.monotonic()
        self._fn()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def reset(self) -> None:
        """Forget the last call: the next request goes through at once."""
        self.cancel()
        self._last = -self._interval
