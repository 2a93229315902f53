"""Reactor: posted commands in order, timers in time order, cross-thread stop, guarded
callbacks and selector interest, on real sockets and threads."""

from __future__ import annotations

import selectors
import socket
import threading
import time

import pytest

from app.net.reactor import Reactor

# Every loop a test runs in its own thread is stopped by this guard if the test forgets.
GUARD_S = 5.0


def run_here(reactor: Reactor) -> None:
    """Run the loop in the test thread until something calls stop() (or the guard does)."""
    guard = reactor.call_later(GUARD_S, reactor.stop)
    started = time.monotonic()
    reactor.run()
    guard.cancel()
    assert time.monotonic() - started < GUARD_S, "the loop ran until the guard stopped it"


def test_call_soon_runs_in_posting_order_in_the_loop_thread(reactor: Reactor) -> None:
    seen: list[tuple[int, bool]] = []
    for n in range(5):
        reactor.call_soon(lambda n=n: seen.append((n, reactor.in_loop_thread())))
    reactor.call_soon(reactor.stop)
    assert not reactor.in_loop_thread()
    run_here(reactor)
    assert seen == [(n, True) for n in range(5)]


def test_call_soon_passes_arguments_and_a_command_posted_by_a_command_runs(
    reactor: Reactor,
) -> None:
    seen: list[object] = []

    def first(a: int, b: str) -> None:
        seen.append((a, b))
        reactor.call_soon(second)

    def second() -> None:
        seen.append("second")
        reactor.stop()

    reactor.call_soon(first, 1, "x")
    run_here(reactor)
    assert seen == [(1, "x"), "second"]


def test_call_soon_from_many_threads_wakes_the_loop(reactor: Reactor) -> None:
    seen: list[int] = []
    done = threading.Event()

    def record(n: int) -> None:
        seen.append(n)
        if len(seen) == 400:
            done.set()
            reactor.stop()

    thread = threading.Thread(target=reactor.run, daemon=True)
    thread.start()
    posters = [
        threading.Thread(target=lambda k=k: [reactor.call_soon(record, k) for _ in range(100)])
        for k in range(4)
    ]
    for poster in posters:
        poster.start()
    for poster in posters:
        poster.join(GUARD_S)
    assert done.wait(GUARD_S)
    thread.join(GUARD_S)
    assert not thread.is_alive()
    assert sorted(seen) == sorted([k for k in range(4) for _ in range(100)])


def test_call_later_runs_timers_in_time_order_and_cancel_skips_one(reactor: Reactor) -> None:
    seen: list[str] = []
    start = time.monotonic()
    reactor.call_later(0.06, lambda: seen.append("60 ms"))
    reactor.call_later(0.02, lambda: seen.append("20 ms"))
    cancelled = reactor.call_later(0.04, lambda: seen.append("40 ms"))
    reactor.call_later(0.0, lambda: seen.append("now"))
    reactor.call_later(0.08, reactor.stop)
    cancelled.cancel()
    assert cancelled.cancelled
    run_here(reactor)
    assert seen == ["now", "20 ms", "60 ms"]
    assert time.monotonic() - start >= 0.08


def test_timers_with_the_same_deadline_run_in_scheduling_order(reactor: Reactor) -> None:
    seen: list[int] = []
    for n in range(5):
        reactor.call_later(0.01, lambda n=n: seen.append(n))
    reactor.call_later(0.02, reactor.stop)
    run_here(reactor)
    assert seen == list(range(5))


def test_a_timer_never_runs_early(reactor: Reactor) -> None:
    ran_at: list[float] = []
    start = time.monotonic()
    reactor.call_later(0.05, lambda: (ran_at.append(time.monotonic()), reactor.stop()))
    run_here(reactor)
    assert ran_at and ran_at[0] - start >= 0.05


def test_stop_from_another_thread_returns_from_an_idle_run_at_once(reactor: Reactor) -> None:
    thread = threading.Thread(target=reactor.run, daemon=True)
    thread.start()
    ready = threading.Event()
    reactor.call_soon(ready.set)
    assert ready.wait(GUARD_S), "the loop did not run a posted command"
    assert not reactor.stopping
    asked = time.monotonic()
    reactor.stop()
    reactor.stop()  # idempotent
    thread.join(1.0)
    assert not thread.is_alive(), "run() did not return within a second of stop()"
    assert time.monotonic() - asked < 1.0
    assert reactor.stopping


def test_an_exception_goes_to_on_exception_and_the_loop_goes_on(reactor: Reactor) -> None:
    caught: list[BaseException] = []
    reactor.on_exception = caught.append
    seen: list[str] = []

    def fail() -> None:
        raise ValueError("bug in a callback")

    reactor.call_soon(fail)
    reactor.call_later(0.0, fail)
    reactor.call_soon(lambda: seen.append("after"))
    reactor.call_later(0.01, reactor.stop)
    run_here(reactor)
    assert [str(e) for e in caught] == ["bug in a callback", "bug in a callback"]
    assert seen == ["after"]


def test_without_on_exception_the_exception_leaves_run(reactor: Reactor) -> None:
    def fail() -> None:
        raise RuntimeError("nobody handles this")

    reactor.call_soon(fail)
    guard = reactor.call_later(GUARD_S, reactor.stop)
    with pytest.raises(RuntimeError, match="nobody handles this"):
        reactor.run()
    guard.cancel()


def socket_pair() -> tuple[socket.socket, socket.socket]:
    ours, peer = socket.socketpair()
    ours.setblocking(False)
    return ours, peer


def test_set_interest_registers_modifies_and_unregisters(reactor: Reactor) -> None:
    ours, peer = socket_pair()
    masks: list[int] = []
    try:
        read, write = selectors.EVENT_READ, selectors.EVENT_WRITE

        def on_ready(mask: int) -> None:
            masks.append(mask)
            if mask & read:
                assert ours.recv(100) == b"ping"
                # Readable handled: from now on only writability is of interest.
                interest[0] = reactor.set_interest(ours, interest[0], write, on_ready)
            elif len(masks) >= 2:
                interest[0] = reactor.set_interest(ours, interest[0], 0, on_ready)
                reactor.call_later(0.05, reactor.stop)

        interest = [reactor.set_interest(ours, 0, read, on_ready)]
        assert interest[0] == read
        # Same interest again: nothing changes and the same mask is returned.
        assert reactor.set_interest(ours, read, read, on_ready) == read
        peer.sendall(b"ping")
        run_here(reactor)
        assert masks[0] == read
        assert masks[1] == write
        assert len(masks) == 2, "no callback may come once the interest is 0"
        assert interest[0] == 0
    finally:
        ours.close()
        peer.close()


def test_register_calls_back_with_the_ready_mask(reactor: Reactor) -> None:
    ours, peer = socket_pair()
    got: list[bytes] = []

    def on_read(mask: int) -> None:
        assert mask & selectors.EVENT_READ
        got.append(ours.recv(100))
        reactor.unregister(ours)
        reactor.unregister(ours)  # twice is harmless
        reactor.stop()

    try:
        reactor.register(ours, selectors.EVENT_READ, on_read)
        reactor.call_later(0.01, lambda: peer.sendall(b"hello"))
        run_here(reactor)
        assert got == [b"hello"]
    finally:
        ours.close()
        peer.close()


def test_close_releases_and_a_late_call_soon_is_harmless() -> None:
    reactor = Reactor()
    reactor.call_soon(reactor.stop)
    reactor.run()
    reactor.close()
    reactor.close()
    ran: list[str] = []
    reactor.call_soon(lambda: ran.append("late"))  # the wake-up pair is closed: no error
    reactor.stop()
    assert ran == [], "a closed reactor runs nothing"


def test_woke_ns_is_when_select_returned_before_the_callbacks_ran(reactor: Reactor) -> None:
    left, right = socket.socketpair()
    seen: list[tuple[int, int]] = []

    def readable(_mask: int) -> None:
        seen.append((reactor.woke_ns, time.perf_counter_ns()))
        left.recv(16)
        reactor.unregister(left)
        reactor.stop()

    before = time.perf_counter_ns()
    reactor.register(left, selectors.EVENT_READ, readable)
    right.send(b"x")
    run_here(reactor)
    left.close()
    right.close()
    [(woke, in_callback)] = seen
    assert before <= woke <= in_callback
