"""Throttle on a real Reactor: the first call at once, a burst becomes one more call at the
end of the interval, and the last request is never lost."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.net.reactor import Reactor
from app.net.throttle import Throttle

INTERVAL = 0.1
GUARD_S = 5.0


def run_until(reactor: Reactor, done: Callable[[], bool], then: float = 0.0) -> None:
    """Run the loop in this thread until `done()` holds, and `then` seconds more."""

    def check() -> None:
        if done():
            reactor.call_later(then, reactor.stop)
        else:
            reactor.call_later(0.005, check)

    guard = reactor.call_later(GUARD_S, reactor.stop)
    reactor.call_soon(check)
    reactor.run()
    guard.cancel()
    assert done(), "timed out"


def test_first_request_calls_at_once_and_a_burst_once_more_after_the_interval(
    reactor: Reactor,
) -> None:
    calls: list[float] = []
    throttle = Throttle(reactor, INTERVAL, lambda: calls.append(time.monotonic()))

    def burst() -> None:
        for _ in range(50):
            throttle.request()
        assert len(calls) == 1, "the first request goes through at once, the rest wait"

    reactor.call_soon(burst)
    # Wait for the trailing call, then two more intervals: nothing else may come.
    run_until(reactor, lambda: len(calls) >= 2, then=2 * INTERVAL)
    assert len(calls) == 2
    assert calls[1] - calls[0] >= INTERVAL * 0.99


def test_flush_calls_now_and_cancel_drops_the_pending_call(reactor: Reactor) -> None:
    calls: list[str] = []
    throttle = Throttle(reactor, INTERVAL, lambda: calls.append("call"))

    def script() -> None:
        throttle.request()  # at once
        throttle.request()  # pending
        throttle.cancel()
        reactor.call_later(2 * INTERVAL, lambda: calls.append("waited"))

    reactor.call_soon(script)
    run_until(reactor, lambda: "waited" in calls)
    assert calls == ["call", "waited"], "a cancelled request never calls"

    calls.clear()
    throttle.flush()
    assert calls == ["call"], "flush calls even without a pending request"


def test_reset_lets_the_next_request_through_at_once(reactor: Reactor) -> None:
    calls: list[str] = []
    throttle = Throttle(reactor, 60.0, lambda: calls.append("call"))

    def script() -> None:
        throttle.request()
        throttle.reset()
        throttle.request()
        reactor.stop()

    reactor.call_soon(script)
    run_until(reactor, lambda: True)
    assert calls == ["call", "call"]
