"""UdpRun on a real Reactor: pacing, both send paths, refusals, failures, back-pressure."""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.net.events import LogEvent
from app.net.udp.multi_send import MultiSender
from app.net.udp.run import BACKLOG_LIMIT, UdpRun
from app.payload import MessageCounter, MessageTemplate, PayloadFormat, compile_message
from app.payload.checksums import crc16_modbus
from tests.net.reactor_harness import ReactorThread
from tests.udp_peers import UdpReceiver, free_udp_port

HELLO = b"Hello, server!"


class Running:
    """One UdpRun from a socket of its own, its callbacks recorded under one lock."""

    def __init__(self, loop: ReactorThread) -> None:
        self.loop = loop
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.events: list[LogEvent] = []
        self.bursts: list[tuple[int, int]] = []
        self.ended: list[OSError | None] = []
        self.backlog = 0
        self.backlog_asked = 0
        self.run: UdpRun | None = None
        self._changed = threading.Condition()

    def start(
        self,
        address: Any,
        data: bytes,
        total: int,
        interval: float = 0.0,
        *,
        multi: bool = False,
        connected: bool = False,
        template: MessageTemplate | None = None,
        counter: MessageCounter | None = None,
    ) -> None:
        def begin() -> None:
            send = self.sock.send if connected else self.sock.sendto
            if connected:
                self.sock.connect(address)
            sender = MultiSender.create(self.sock, socket.AF_INET, address, data) if multi else None
            self.run = UdpRun(
                self.loop.reactor,
                send,
                None if connected else address,
                data,
                total,
                interval,
                f"{address[0]}:{address[1]}",
                sink_many=self._sink_many,
                backlog=self._backlog,
                on_burst=self._on_burst,
                on_blocked=lambda: None,
                on_end=self._on_end,
                multi=sender,
                template=template,
                counter=counter,
            )
            self.run.start()

        self.loop.reactor.call_soon(begin)

    def _sink_many(self, events: list[LogEvent]) -> None:
        with self._changed:
            self.events.extend(events)

    def _backlog(self) -> int:
        with self._changed:
            self.backlog_asked += 1
            self._changed.notify_all()
            return self.backlog

    def _on_burst(self, done: int, refused: int) -> None:
        with self._changed:
            self.bursts.append((done, refused))

    def _on_end(self, failure: OSError | None) -> None:
        with self._changed:
            self.ended.append(failure)
            self._changed.notify_all()

    def wait(self, predicate: Any, timeout: float = 20.0) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, timeout), "timed out"

    def wait_end(self) -> OSError | None:
        self.wait(lambda: bool(self.ended))
        return self.ended[0]


@pytest.fixture
def running() -> Iterator[Running]:
    loop = ReactorThread().start()
    run = Running(loop)
    yield run
    loop.stop()
    run.sock.close()


def paced_for(receiver: UdpReceiver) -> float:
    # Loopback drops what does not fit the receiver's buffer; with a small one, pace.
    return 0.0 if receiver.rcvbuf >= 2 * 1024 * 1024 else 0.001


def test_a_paced_run_follows_the_interval(running: Running) -> None:
    with UdpReceiver() as receiver:
        started = time.monotonic()
        running.start((receiver.host, receiver.port), HELLO, 5, 0.05)
        assert running.wait_end() is None
        elapsed = time.monotonic() - started
        assert receiver.wait_for(lambda: receiver.count == 5)
    # Datagram i leaves at start + i * interval: the last one no earlier than 4 intervals.
    assert elapsed >= 0.2
    stamps = [e.time for e in running.events]
    assert stamps[-1] - stamps[0] >= 0.19


def test_a_paced_run_meets_the_requested_rate_and_says_both(running: Running) -> None:
    # 500/s for 0.4 s: ±5% here on a loaded machine; bench_pacing holds the 1% figure.
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 200, 0.002)
        assert running.wait_end() is None
    run = running.run
    assert run is not None and run.requested == pytest.approx(500.0)
    assert run.rate() == pytest.approx(500.0, rel=0.05)
    stamps = [e.time for e in running.events]
    assert stamps[-1] - stamps[0] == pytest.approx(199 * 0.002, rel=0.05)
    assert "(requested 500/s · achieved " in run.summary()


def test_a_late_paced_run_catches_up_in_bounded_bursts(running: Running) -> None:
    """The loop is held for 100 ms (a busy machine): the run then sends what is due, at most
    5 ms of the schedule a turn (pacing.BURST_WINDOW), and keeps its end on time."""
    with UdpReceiver() as receiver:
        held = threading.Event()

        def hold() -> None:
            held.wait(0.1)  # the loop thread itself is busy: nothing else runs

        running.start((receiver.host, receiver.port), HELLO, 300, 0.001)
        running.loop.reactor.call_soon(hold)
        assert running.wait_end() is None
    assert max(done for done, _ in running.bursts) <= 5
    stamps = [e.time for e in running.events]
    assert stamps[-1] - stamps[0] == pytest.approx(0.299, rel=0.1)


def test_the_sendto_loop_sends_and_counts_every_datagram(running: Running) -> None:
    # Where sendmmsg is missing (macOS, Windows) the run sends one datagram per call.
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 1000, paced_for(receiver))
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count >= 1000)
        assert (receiver.count, receiver.bytes) == (1000, 14_000)
    assert len(running.events) == 1000 and sum(e.size for e in running.events) == 14_000
    assert sum(done for done, _ in running.bursts) == 1000
    # One clock read per datagram here: the stamps never go back.
    stamps = [e.time for e in running.events]
    assert stamps == sorted(stamps)
    assert running.run is not None and running.run.sent == 1000
    assert running.run.summary().startswith(
        f"Sent 1,000 datagrams (14,000 bytes) to 127.0.0.1:{receiver.port} in "
    )


@pytest.mark.skipif(not MultiSender.available(), reason="no sendmmsg here")
def test_datagrams_of_one_call_share_their_event(running: Running) -> None:
    # sendmmsg sends many copies per call; they are equal in every field and share one
    # immutable event (what keeps a full-rate run cheap for the log).
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 600, paced_for(receiver), multi=True)
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count >= 600)
    sent = running.events
    assert len(sent) == 600
    assert all(e == sent[0]._replace(time=e.time) for e in sent)
    assert [e.time for e in sent] == sorted(e.time for e in sent)
    assert len({id(e) for e in sent}) < len(sent)


def test_an_empty_payload_is_a_zero_byte_datagram(running: Running) -> None:
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), b"", 2)
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count == 2)
    assert [(e.size, e.message) for e in running.events] == [(0, "0-byte datagram")] * 2


@pytest.mark.parametrize("multi", [False, True], ids=["sendto", "sendmmsg"])
def test_refusals_from_a_closed_port_are_retried_not_counted(running: Running, multi: bool) -> None:
    if multi and not MultiSender.available():
        pytest.skip("no sendmmsg here")
    # Connected, the kernel reports each ICMP error to the next send, which did not go.
    running.start(("127.0.0.1", free_udp_port()), HELLO, 300, connected=not multi, multi=multi)
    assert running.wait_end() is None
    assert running.run is not None and running.run.sent == 300 == len(running.events)
    if not multi:
        assert sum(refused for _, refused in running.bursts) >= 1


def test_a_datagram_too_large_ends_the_run_with_the_failure(running: Running) -> None:
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), b"x" * 70_000, 3)
        failure = running.wait_end()
    assert failure is not None and failure.errno == errno.EMSGSIZE
    assert running.events == [] and running.run is not None
    assert running.run.failure_message(failure) == (
        f"Datagram of 70,000 bytes too large for the path to 127.0.0.1:{receiver.port}; "
        "sent 0 of 3 datagrams"
    )


def test_failure_messages_name_the_cause_and_the_progress(running: Running) -> None:
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 1)
        running.wait_end()
    run = running.run
    assert run is not None
    denied = run.failure_message(OSError(errno.EACCES, "Permission denied"))
    assert denied.startswith(f"Permission denied sending to 127.0.0.1:{receiver.port} (a broadcast")
    assert denied.endswith("; sent 1 of 1 datagrams")
    other = run.failure_message(OSError(errno.ENETUNREACH, "Network is unreachable"))
    assert other.endswith(f": 127.0.0.1:{receiver.port}; sent 1 of 1 datagrams")


def test_the_run_waits_while_the_log_is_behind(running: Running) -> None:
    running.backlog = BACKLOG_LIMIT + 1
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 10)
        running.wait(lambda: running.backlog_asked >= 5)  # asked again and again, on a timer
        assert running.events == [] and receiver.count == 0
        with running._changed:
            running.backlog = 0
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count == 10)


def test_cancel_stops_a_long_run_between_bursts(running: Running) -> None:
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), HELLO, 10_000_000)
        running.wait(lambda: len(running.events) >= 5000)
        done = threading.Event()

        def cancel() -> None:
            assert running.run is not None
            running.run.cancel()
            done.set()

        running.loop.reactor.call_soon(cancel)
        assert done.wait(5)
        count = len(running.events)
        # A turn of the loop later nothing more was sent, and the run never ended itself.
        later = threading.Event()
        running.loop.reactor.call_soon(later.set)
        assert later.wait(5)
    assert len(running.events) == count < 10_000_000
    assert running.ended == []


# -- macros: each datagram rendered anew -----------------------------------------------

SEND_PATHS = [
    pytest.param(False, id="sendto"),
    pytest.param(
        True,
        id="sendmmsg",
        marks=pytest.mark.skipif(not MultiSender.available(), reason="no sendmmsg here"),
    ),
]


@pytest.mark.parametrize("multi", SEND_PATHS)
def test_a_repeat_run_numbers_every_datagram_exactly(running: Running, multi: bool) -> None:
    template = compile_message("n={{counter}};", PayloadFormat.TEXT)
    counter = MessageCounter()
    expected = [b"n=%d;" % number for number in range(1, 1001)]
    with UdpReceiver() as receiver:
        address = (receiver.host, receiver.port)
        running.start(
            address, b"", 1000, paced_for(receiver), multi=multi, template=template, counter=counter
        )
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count >= 1000)
        assert receiver.datagrams == expected
    # The log shows what went, datagram by datagram, and the counter counted each one.
    assert [event.data for event in running.events] == expected
    assert [event.size for event in running.events] == list(map(len, expected))
    assert counter.sent == 1000
    assert running.run is not None
    assert running.run.summary().startswith(
        f"Sent 1,000 datagrams ({sum(map(len, expected)):,} bytes)"
    )


@pytest.mark.parametrize("multi", SEND_PATHS)
def test_the_counter_runs_on_from_one_run_to_the_next(running: Running, multi: bool) -> None:
    template = compile_message("{{counter:4}} {{crc16_modbus}}", PayloadFormat.TEXT)
    counter = MessageCounter(sent=7)  # seven messages went before, from this tab
    with UdpReceiver() as receiver:
        running.start(
            (receiver.host, receiver.port),
            b"",
            300,
            paced_for(receiver),
            multi=multi,
            template=template,
            counter=counter,
        )
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count >= 300)
        got = list(receiver.datagrams)
    heads = [b"%04d " % number for number in range(8, 308)]
    assert [d[:-2] for d in got] == heads
    # Each checksum is over its own datagram's bytes before it, low byte first.
    assert all(d[-2:] == crc16_modbus(d[:-2]).to_bytes(2, "little") for d in got)
    assert counter.sent == 307


def test_a_static_template_takes_the_copy_path_and_still_counts(running: Running) -> None:
    counter = MessageCounter()
    with UdpReceiver() as receiver:
        running.start(
            (receiver.host, receiver.port),
            HELLO,
            50,
            paced_for(receiver),
            template=MessageTemplate.literal(HELLO),
            counter=counter,
        )
        assert running.wait_end() is None
        assert receiver.wait_for(lambda: receiver.count >= 50)
    assert counter.sent == 50 and {event.data for event in running.events} == {HELLO}


@pytest.mark.parametrize("multi", SEND_PATHS)
def test_refused_datagrams_keep_their_numbers_for_the_retry(running: Running, multi: bool) -> None:
    # A refusal means that datagram did not go: it is sent again with the same number.
    template = compile_message("{{counter}}", PayloadFormat.TEXT)
    counter = MessageCounter()
    address = ("127.0.0.1", free_udp_port())
    running.start(
        address, b"", 300, connected=not multi, multi=multi, template=template, counter=counter
    )
    assert running.wait_end() is None
    assert [event.data for event in running.events] == [b"%d" % n for n in range(1, 301)]
    assert counter.sent == 300


def test_a_rendered_datagram_too_large_names_its_size(running: Running) -> None:
    template = compile_message("{{bytes:65536}}", PayloadFormat.TEXT)
    counter = MessageCounter()
    with UdpReceiver() as receiver:
        running.start((receiver.host, receiver.port), b"", 2, template=template, counter=counter)
        failure = running.wait_end()
    assert failure is not None and failure.errno == errno.EMSGSIZE
    assert running.run is not None and counter.sent == 0
    assert running.run.failure_message(failure).startswith("Datagram of 65,536 bytes too large")
