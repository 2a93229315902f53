"""FramedReceiver: a Framer on a real Reactor (idle-gap timer, live reframing, the fallback)."""

from __future__ import annotations

import threading
import time

from app.net.framing import AS_RECEIVED, parse_framing
from app.net.receive_framing import FramedReceiver
from tests.net.reactor_harness import ReactorThread, poll_until


class Collected:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.notices: list[str] = []
        self.times: list[float] = []
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def batch(self, messages: list[bytes]) -> None:
        assert messages, "never an empty list"
        with self.lock:
            self.messages.extend(messages)
            self.batches.append(len(messages))
            self.times.append(time.monotonic())

    def notice(self, text: str) -> None:
        self.notices.append(text)


def in_loop(loop: ReactorThread, fn: object, *args: object) -> None:
    """Run `fn(*args)` in the loop thread and wait until it ran."""
    done = threading.Event()

    def run() -> None:
        fn(*args)  # type: ignore[operator]
        done.set()

    loop.reactor.call_soon(run)
    assert done.wait(5)


def test_as_received_hands_each_chunk_over_as_it_is(loop: ReactorThread) -> None:
    got = Collected()
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice)
    chunk = b"a\nb"
    in_loop(loop, receiver.feed, chunk)
    assert got.messages == [chunk] and got.messages[0] is chunk
    assert receiver.spec == AS_RECEIVED and receiver.finish() == b""


def test_one_call_per_message_and_the_rest_held(loop: ReactorThread) -> None:
    got = Collected()
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice, parse_framing("Lines (LF)", ""))
    in_loop(loop, receiver.feed, b"one\ntwo\nthr")
    in_loop(loop, receiver.feed, b"ee\n")
    assert got.messages == [b"one\n", b"two\n", b"three\n"]
    assert got.batches == [2, 1]  # the messages of one read in one call
    in_loop(loop, receiver.feed, b"tail")
    assert receiver.held == 4 and receiver.finish() == b"tail"


def test_idle_gap_messages_come_from_the_reactor_timer(loop: ReactorThread) -> None:
    got = Collected()
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice, parse_framing("Idle gap", "80"))
    started = time.monotonic()
    in_loop(loop, receiver.feed, b"ab")
    in_loop(loop, receiver.feed, b"cd")
    poll_until(lambda: bool(got.messages))
    assert got.messages == [b"abcd"]
    assert got.times[0] - started >= 0.08
    in_loop(loop, receiver.feed, b"next")
    poll_until(lambda: len(got.messages) == 2)
    assert got.messages[1] == b"next" and receiver.held == 0


def test_finish_cancels_the_gap_timer(loop: ReactorThread) -> None:
    got = Collected()
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice, parse_framing("Idle gap", "30"))
    in_loop(loop, receiver.feed, b"held")
    left: list[bytes] = []
    in_loop(loop, lambda: left.append(receiver.finish()))
    assert left == [b"held"]
    # A later turn of the loop past the gap delivers nothing.
    fired = threading.Event()
    loop.reactor.call_soon(lambda: loop.reactor.call_later(0.1, fired.set))
    assert fired.wait(5)
    assert got.messages == []


def test_reframe_frames_the_held_bytes_with_the_new_framing(loop: ReactorThread) -> None:
    got = Collected()
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice, parse_framing("Lines (LF)", ""))
    in_loop(loop, receiver.feed, b"a\r\nb\r")
    assert got.messages == [b"a\r\n"]
    carried: list[int] = []
    in_loop(loop, lambda: carried.append(receiver.reframe(parse_framing("Lines (CRLF)", ""))))
    assert carried == [2]
    in_loop(loop, receiver.feed, b"\nc\r\n")
    assert got.messages == [b"a\r\n", b"b\r\n", b"c\r\n"]
    in_loop(loop, receiver.feed, b"rest")
    in_loop(loop, receiver.reframe, AS_RECEIVED)
    assert got.messages[-1] == b"rest" and receiver.held == 0


def test_the_fallback_is_reported_once_and_nothing_is_lost(loop: ReactorThread) -> None:
    got = Collected()
    spec = parse_framing("Length prefix", "4")
    receiver = FramedReceiver(loop.reactor, got.batch, got.notice, spec)
    huge = (20_000_000).to_bytes(4, "big") + b"xy"
    in_loop(loop, receiver.feed, b"\x00\x00\x00\x01z" + huge)
    in_loop(loop, receiver.feed, b"\x00\x00\x00\x01w")
    assert got.messages == [b"\x00\x00\x00\x01z", huge, b"\x00\x00\x00\x01w"]
    assert len(got.notices) == 1 and "announced 20,000,000 bytes" in got.notices[0]
    assert receiver.spec == AS_RECEIVED
