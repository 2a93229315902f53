"""A selectors loop with a wake-up socket, a thread-safe command queue and timers.

Every network object runs on one Reactor in its own thread. Other threads never touch a
socket: they post a callable with `call_soon`, which wakes the loop through a socketpair.
That is what lets a stop request interrupt a connect, a recv or an accept at once
(closing a socket from another thread does not wake a blocked `recv` on Linux).

An idle loop sleeps in `select` with no timeout at all: it wakes for a socket, a command,
a timer or a `wake()`, never on a period (an idle window costs no wake-ups, so no battery).
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

IoCallback = Callable[[int], None]


class Timer:
    """A handle to a scheduled call; `cancel()` makes it a no-op."""

    __slots__ = ("_cancelled", "callback", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled


class Reactor:
    """Runs I/O callbacks, posted commands and timers in the thread that calls `run()`."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._commands: deque[Callable[[], None]] = deque()
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._stopping = threading.Event()
        self._idle_hooks: list[Callable[[], float | None]] = []
        self._thread_id: int | None = None
        self._recheck = False  # wake() from the loop thread while the hooks ran
        self.woke_ns = 0  # perf_counter_ns when the last select returned
        # A bug in one callback must not kill the loop (and with it the tab): the owner
        # turns the exception into a log row. Without a handler it propagates.
        self.on_exception: Callable[[BaseException], None] | None = None
        # Releases the selector and the wake-up pair even for a reactor that never ran.
        self._finalizer = weakref.finalize(
            self, _release, self._selector, self._wake_r, self._wake_w
        )

    # -- thread-safe API -------------------------------------------------------------

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(*args)` in the loop thread, in posting order."""
        self._commands.append(lambda: fn(*args))
        self._wake()

    def wake(self) -> None:
        """Have the loop run its idle hooks again before it sleeps; safe from any thread.

        For state an idle hook reads that another thread changed (events queued, a batch
        acknowledged). From the loop thread it costs a flag: the hooks run before the next
        select anyway, the flag only covers a hook that changes what an earlier one saw.
        """
        if self._thread_id == threading.get_ident():
            self._recheck = True
        else:
            self._wake()

    def stop(self) -> None:
        """Ask the loop to return from `run()`; safe from any thread, idempotent."""
        self._stopping.set()
        self._wake()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- loop-thread API -------------------------------------------------------------

    def in_loop_thread(self) -> bool:
        return self._thread_id == threading.get_ident()

    def register(self, sock: socket.socket, events: int, callback: IoCallback) -> None:
        self._selector.register(sock, events, callback)

    def modify(self, sock: socket.socket, events: int, callback: IoCallback) -> None:
        self._selector.modify(sock, events, callback)

    def unregister(self, sock: socket.socket) -> None:
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass

    def set_interest(
        self, sock: socket.socket, current: int, wanted: int, callback: IoCallback
    ) -> int:
        """Move `sock` from the `current` selector events to `wanted` (0 = none).

        Returns `wanted`, which the caller keeps as its new `current`; nothing is asked
        of the selector when the two are equal, the common case on a busy socket.
        """
        if wanted == current:
            return current
        if not wanted:
            self.unregister(sock)
        elif not current:
            self.register(sock, wanted, callback)
        else:
            self.modify(sock, wanted, callback)
        return wanted

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(time.monotonic() + delay, callback)
        heapq.heappush(self._timers, (timer.when, next(self._seq), timer))
        return timer

    def add_idle_hook(self, hook: Callable[[], float | None]) -> None:
        """`hook()` runs every loop turn and returns how soon (s) it wants the next turn.

        None means "not at all": the loop may then sleep until something else happens, so
        a hook whose answer changes because of another thread must be told with `wake()`.
        """
        self._idle_hooks.append(hook)

    def run(self) -> None:
        self._thread_id = threading.get_ident()
        while not self._stopping.is_set():
            self._run_once()

    def close(self) -> None:
        """Release the selector and the wake-up pair; call after `run()` returned."""
        self._finalizer()

    # -- internals -------------------------------------------------------------------

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (a wake-up is pending anyway) or already closed

    def _timeout(self) -> float | None:
        """How long select may sleep: None (until woken) when nothing asks for a turn."""
        self._recheck = False
        timeout: float | None = None
        for hook in self._idle_hooks:
            wanted = hook()
            if wanted is not None and (timeout is None or wanted < timeout):
                timeout = wanted
        timers = self._timers
        # A cancelled timer (a throttle's, a run's) must not wake an idle loop for nothing.
        while timers and timers[0][2].cancelled:
            heapq.heappop(timers)
        if timers:
            due = timers[0][0] - time.monotonic()
            timeout = due if timeout is None else min(timeout, due)
        if self._commands or self._recheck or self._stopping.is_set():
            return 0.0
        return None if timeout is None else max(timeout, 0.0)

    def _run_once(self) -> None:
        ready = self._selector.select(self._timeout())
        # When the sockets ready now became ready, at the latest: a reply's arrival time
        # for round trips (app/net/round_trips.py), before any callback's own work.
        self.woke_ns = time.perf_counter_ns()
        for key, mask in ready:
            if key.data is None:
                self._drain_wake()
                continue
            callback: IoCallback = key.data
            self._guarded(callback, mask)
            if self._stopping.is_set():
                return
        self._run_commands()
        self._run_timers()

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _run_commands(self) -> None:
        # Only the commands present now: a command that posts another runs it next turn.
        for _ in range(len(self._commands)):
            self._guarded(self._commands.popleft())
            if self._stopping.is_set():
                return

    def _run_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guarded(timer.callback)

    def _guarded(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:
            if self.on_exception is None:
                raise
            self.on_exception(exc)


def _release(selector: selectors.BaseSelector, *socks: socket.socket) -> None:
    selector.close()
    for sock in socks:
        sock.close()
