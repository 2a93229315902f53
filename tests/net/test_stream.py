"""Stream against a real peer socket on loopback: back-pressure, outbox, half-close, failures."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from app.net.outgoing import BytesMessage, Outgoing, StreamFailure
from app.net.stream import Stream
from tests.net.reactor_harness import ReactorThread, poll_until

MB = 1024 * 1024


class Recorder:
    """A StreamProtocol that writes down what the stream told it, and wakes the test."""

    def __init__(self, loop: ReactorThread) -> None:
        self._notify = loop.on_state
        self.data = bytearray()
        self.eof = False
        self.progress_seen: list[tuple[int, int]] = []
        self.sent_items: list[Outgoing] = []
        self.drains = 0
        self.failure: StreamFailure | None = None
        self.on_data: Callable[[bytes], None] | None = None

    def data_received(self, data: bytes) -> None:
        self.data += data
        if self.on_data is not None:
            self.on_data(data)
        self._notify("data")

    def eof_received(self) -> None:
        self.eof = True
        self._notify("eof")

    def progress(self, item: Outgoing) -> None:
        self.progress_seen.append((item.sent, item.size))

    def sent(self, item: Outgoing) -> None:
        self.sent_items.append(item)
        self._notify("sent")

    def drained(self) -> None:
        self.drains += 1
        self._notify("drained")

    def connection_lost(self, failure: StreamFailure) -> None:
        self.failure = failure
        self._notify("lost")


class Pair:
    """A connected pair on loopback: `ours` goes under a Stream, `peer` is the test's."""

    def __init__(self, family: int = socket.AF_INET) -> None:
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        with socket.socket(family) as listener:
            listener.bind((host, 0))
            listener.listen(1)
            self.ours = socket.create_connection(listener.getsockname()[:2])
            self.peer, _ = listener.accept()

    def close(self) -> None:
        self.peer.close()
        self.ours.close()


@pytest.fixture
def pair() -> Iterator[Pair]:
    made = Pair()
    yield made
    made.close()


def open_stream(
    loop: ReactorThread, sock: socket.socket, recorder: Recorder, **options: object
) -> Stream:
    box: list[Stream] = []
    in_loop(loop, lambda: box.append(Stream(loop.reactor, sock, recorder, **options)))  # type: ignore[arg-type]
    loop.closers.append(box[0].close)
    return box[0]


def in_loop(loop: ReactorThread, fn: Callable[[], object]) -> None:
    """Run `fn` in the loop thread and wait until it has run."""
    done = threading.Event()

    def run() -> None:
        fn()
        done.set()

    loop.reactor.call_soon(run)
    assert done.wait(10)


def reset(sock: socket.socket) -> None:
    # SO_LINGER (on, 0 s) makes close() send an RST instead of a FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def fill_until_blocked(sock: socket.socket) -> int:
    """Send from the peer until the kernel takes no more (or 256 MB); the byte count."""
    sock.setblocking(False)
    block = b"z" * 65536
    total = 0
    try:
        while total < 256 * MB:  # bounded: a stream that kept reading must fail, not hang
            total += sock.send(block)
    except BlockingIOError:
        pass
    sock.setblocking(True)
    return total


def test_reads_whatever_arrives(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    payload = os.urandom(3 * MB)
    pair.peer.sendall(payload)
    loop.wait_for(lambda: len(recorder.data) == len(payload))
    assert bytes(recorder.data) == payload
    assert stream.bytes_received == len(payload)


def test_backlog_pauses_reading_until_the_consumer_catches_up(
    loop: ReactorThread, pair: Pair
) -> None:
    behind = threading.Event()
    behind.set()
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder, backlog=behind.is_set)
    # While the consumer is behind nothing is read: the peer's sends fill the buffers.
    queued = fill_until_blocked(pair.peer)
    assert queued > 0
    assert recorder.data == b""
    behind.clear()
    loop.wait_for(lambda: len(recorder.data) == queued)
    poll_until(lambda: stream.reading)


def test_high_water_stops_reading_until_the_outbox_drains(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    answer = b"a" * (64 * MB)  # more than loopback's socket buffers hold
    stream = open_stream(loop, pair.ours, recorder, high_water=1 * MB)
    recorder.on_data = lambda data: (stream.write(Outgoing(answer)), stream.flush())
    pair.peer.sendall(b"ask")
    # The peer does not read the answer: more than 1 MB waits, so reading stops.
    poll_until(lambda: not stream.reading and stream.queued >= MB)
    got = bytearray()
    while len(got) < len(answer):
        got += pair.peer.recv(MB)
    loop.wait_for(lambda: recorder.drains >= 1)
    poll_until(lambda: stream.reading)
    assert bytes(got) == answer
    assert stream.queued == 0


def test_outbox_reports_progress_then_sent_whole(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    payload = os.urandom(16 * MB)
    small = b"tail"
    received = bytearray()

    def slow_reader() -> None:
        while len(received) < len(payload) + len(small):
            received.extend(pair.peer.recv(4096))

    reader = threading.Thread(target=slow_reader)
    reader.start()
    in_loop(loop, lambda: (stream.write(Outgoing(payload)), stream.write(Outgoing(small))))
    in_loop(loop, stream.flush)
    loop.wait_for(lambda: len(recorder.sent_items) == 2, timeout=60)
    reader.join(30)
    assert bytes(received) == payload + small
    assert [(i.sent, i.size) for i in recorder.sent_items] == [
        (len(payload), len(payload)),
        (len(small), len(small)),
    ]
    # Progress went up, never past the message, and only for the big one.
    sents = [sent for sent, _ in recorder.progress_seen]
    assert sents and sents == sorted(sents) and sents[-1] < len(payload)
    assert all(size == len(payload) for _, size in recorder.progress_seen)
    assert stream.bytes_sent == len(payload) + len(small)
    assert stream.outbox_empty and recorder.drains >= 1


class Pieces(Outgoing):
    """A message made of several pieces (like a file body), possibly ending short."""

    __slots__ = ("_pieces",)

    def __init__(self, pieces: list[bytes], size: int) -> None:
        super().__init__(pieces[0], size)
        self._pieces = pieces[1:]

    def more(self) -> memoryview | None:
        return memoryview(self._pieces.pop(0)) if self._pieces else None


def test_a_message_in_pieces_and_one_that_ends_short(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    whole = Pieces([b"one,", b"two,", b"three"], 13)
    short = Pieces([b"only"], 100)  # promised 100 bytes; the source ran dry after 4
    in_loop(loop, lambda: (stream.write(whole), stream.write(short), stream.flush()))
    loop.wait_for(lambda: len(recorder.sent_items) == 2)
    got = b""
    while len(got) < 17:
        got += pair.peer.recv(100)
    assert got == b"one,two,threeonly"
    assert (whole.sent, whole.size) == (13, 13)
    assert (short.sent, short.size) == (4, 100)  # the protocol sees it ended short
    assert stream.queued == 0


def test_peer_reset_mid_send_accounts_every_byte(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    data = os.urandom(64 * MB)
    big = BytesMessage(data)
    after = Outgoing(b"x" * 1000)
    in_loop(loop, lambda: (stream.write(big), stream.write(after), stream.flush()))
    received = 0
    while received < MB:
        received += len(pair.peer.recv(65536))
    reset(pair.peer)
    loop.wait_for(lambda: recorder.failure is not None, timeout=30)
    failure = recorder.failure
    # The reset may surface on the send or on the read that runs first: same accounting.
    assert failure is not None
    assert failure.reason in ("Connection reset by peer", "Connection closed by peer (broken pipe)")
    assert failure.partial is big
    assert MB <= big.sent < big.size
    assert failure.bytes_sent == big.sent
    assert failure.unsent == (big.size - big.sent) + 1000
    assert failure.unsent_text() == (
        f"sent {big.sent:,} of 67,108,864 bytes of the last message; "
        f"{failure.unsent:,} bytes not sent"
    )
    assert failure.sent_prefix() == data[: big.sent]  # what the peer got, to the byte
    assert stream.closed and recorder.sent_items == []


def test_peer_reset_while_reading(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    open_stream(loop, pair.ours, recorder)
    pair.peer.sendall(b"hello")
    loop.wait_for(lambda: recorder.data == b"hello")
    reset(pair.peer)
    loop.wait_for(lambda: recorder.failure is not None)
    assert recorder.failure is not None
    assert not recorder.failure.writing
    assert recorder.failure.reason == "Connection reset by peer"
    assert recorder.failure.unsent_text() == ""
    assert recorder.failure.sent_prefix() == b""


def test_peer_half_close_leaves_writing_open(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    pair.peer.sendall(b"bye")
    pair.peer.shutdown(socket.SHUT_WR)
    loop.wait_for(lambda: recorder.eof)
    assert recorder.data == b"bye" and stream.peer_finished and not stream.reading
    in_loop(loop, lambda: (stream.write(Outgoing(b"still here")), stream.flush()))
    assert pair.peer.recv(100) == b"still here"


def test_our_half_close_sends_fin_after_the_outbox(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    payload = os.urandom(8 * MB)
    in_loop(
        loop, lambda: (stream.write(Outgoing(payload)), stream.flush(), stream.shutdown_write())
    )
    got = bytearray()
    while chunk := pair.peer.recv(MB):  # ends at our FIN, after every byte
        got += chunk
    assert bytes(got) == payload
    # Reading goes on: the peer answers after our FIN, then finishes too.
    pair.peer.sendall(b"answer")
    pair.peer.shutdown(socket.SHUT_WR)
    loop.wait_for(lambda: recorder.eof)
    assert recorder.data == b"answer"
    assert recorder.failure is None


def test_close_is_silent_and_idempotent(loop: ReactorThread, pair: Pair) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    in_loop(
        loop, lambda: (stream.write(Outgoing(b"never flushed")), stream.close(), stream.close())
    )
    assert stream.closed and pair.ours.fileno() == -1
    assert pair.peer.recv(100) == b""  # a FIN, and the queued bytes never left
    assert recorder.sent_items == [] and recorder.failure is None


def test_read_now_takes_what_arrived_before_the_selector_says_so(
    loop: ReactorThread, pair: Pair
) -> None:
    recorder = Recorder(loop)
    stream = open_stream(loop, pair.ours, recorder)
    in_loop(loop, stream.pause_reading)
    pair.peer.sendall(b"already here")
    poll_until(lambda: bool(socket_has_data(pair.ours)))
    in_loop(loop, stream.read_now)  # not reading: left alone
    assert recorder.data == b""
    # Within one loop turn: resume (interest only) and read at once, before any select.
    seen: list[bytes] = []
    in_loop(
        loop,
        lambda: (stream.resume_reading(), stream.read_now(), seen.append(bytes(recorder.data))),
    )
    assert seen == [b"already here"]
    in_loop(loop, stream.read_now)  # nothing there: one recv, no event, no failure
    assert recorder.failure is None and not recorder.eof


def socket_has_data(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return b""
