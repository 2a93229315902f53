"""TCP load runs against real loopback servers: counts on both sides, pacing, Stop, failures."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind, LogEvent
from app.net.framing import FramingKind, parse_framing
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot
from app.net.tcp import load_run
from app.net.tcp.load_run import TcpLoadRun
from app.net.tcp.load_status import LoadPhase, TcpLoadJob, TcpLoadProgress
from app.payload import Message, MessageCounter, PayloadFormat, compile_message
from tests.net.reactor_harness import ReactorThread, poll_until
from tests.net.tcp.load_peers import CountingEchoServer
from tests.peers import free_port

LINES = parse_framing(FramingKind.LINES_LF, "")


class Running:
    """A load run on a reactor thread, with what it logged and reported."""

    def __init__(self, job: TcpLoadJob, counter: MessageCounter | None = None) -> None:
        self.harness = ReactorThread().start()
        self.round_trips = RoundTripRecorder(self.harness.reactor, reply_timeout=None)
        self.progress: list[TcpLoadProgress] = []
        self.ended = False
        self.counter = counter or MessageCounter()
        self.run = TcpLoadRun(
            self.harness.reactor,
            job,
            sink=self.harness.sink,
            sink_many=self._sink_many,
            counter=self.counter,
            backlog=lambda: 0,
            on_progress=self._progress,
            on_end=self._end,
            round_trips=self.round_trips,
            conn_base=2_000_000,
        )
        self.harness.closers.append(self.run.close)
        self.harness.closers.append(self.round_trips.close)
        self.harness.reactor.call_soon(self.run.start)

    def _sink_many(self, events: list[LogEvent]) -> None:
        for event in events:
            self.harness.sink(event)

    def _progress(self, progress: TcpLoadProgress) -> None:
        self.progress.append(progress)
        self.harness.on_state(progress)

    def _end(self) -> None:
        self.ended = True

    def wait_done(self, timeout: float = 30.0) -> TcpLoadProgress:
        self.harness.wait_for(
            lambda: bool(self.progress) and self.progress[-1].phase is LoadPhase.DONE, timeout
        )
        return self.progress[-1]

    def snapshot(self) -> RoundTripSnapshot:
        snapshots: list[RoundTripSnapshot] = []
        self.harness.reactor.call_soon(lambda: snapshots.append(self.round_trips.snapshot()))
        poll_until(lambda: bool(snapshots))
        return snapshots[0]

    def lines(self, kind: Kind) -> list[str]:
        return [e.message for e in self.harness.of_kind(kind)]


@pytest.fixture
def running() -> Iterator[list[Running]]:
    runs: list[Running] = []
    yield runs
    for run in runs:
        run.harness.stop()


def start(runs: list[Running], job: TcpLoadJob) -> Running:
    run = Running(job)
    runs.append(run)
    return run


def template(text: str) -> Message:
    return compile_message(text, PayloadFormat.TEXT)


def test_fifty_connections_every_message_counted_on_both_sides(running: list[Running]) -> None:
    with CountingEchoServer() as server:
        job = TcpLoadJob(
            "127.0.0.1", server.port, template("n={{counter}}\n"), 20, 0.0, 50, framing=LINES
        )
        run = start(running, job)
        done = run.wait_done()
        poll_until(lambda: server.closed == 50)
    assert (server.accepted, server.lines) == (50, 1000)
    sent = run.harness.of_kind(Kind.SENT)
    received = run.harness.of_kind(Kind.RECEIVED)
    assert len(sent) == len(received) == 1000 == done.sent == done.received
    assert sum(e.size for e in sent) == server.received == done.sent_bytes == done.received_bytes
    # One counter across the run: every number once, whatever connection sent it.
    numbers = sorted(int(e.data[2:-1]) for e in sent)
    assert numbers == list(range(1, 1001)) and run.counter.sent == 1000
    # Each connection is its own peer in the log: 50 local addresses, 20 rows each way.
    by_local: dict[str, int] = {}
    for event in sent:
        by_local[event.local] = by_local.get(event.local, 0) + 1
    assert len(by_local) == 50 and set(by_local.values()) == {20}
    assert {e.local for e in received} == set(by_local)
    infos = run.lines(Kind.INFO)
    assert infos[1].startswith(f"Connected 50 of 50 connections to 127.0.0.1:{server.port}")
    assert infos[-1].startswith(f"Load run to 127.0.0.1:{server.port} done: 50 connections")
    assert "sent 1,000 messages" in infos[-1] and "received 1,000 messages" in infos[-1]
    assert not run.lines(Kind.ERROR)
    # The round trips of every connection in one recorder: each reply paired, none lost.
    stats = run.snapshot()
    assert (stats.replies, stats.lost, stats.unmatched, stats.pending) == (1000, 0, 0, 0)
    assert all(e.message.startswith("RTT ") for e in received)
    assert 0 < stats.min_ns <= stats.median_ns <= stats.max_ns


def test_paced_run_meets_the_requested_rate(running: list[Running]) -> None:
    # 4 connections x 100 messages, 10 ms apart on each: 400/s for one second.
    with CountingEchoServer() as server:
        job = TcpLoadJob("127.0.0.1", server.port, b"tick\n", 100, 0.01, 4, framing=LINES)
        run = start(running, job)
        done = run.wait_done()
    assert done.requested == pytest.approx(400.0)
    assert done.achieved == pytest.approx(400.0, rel=0.05)
    sent = run.harness.of_kind(Kind.SENT)
    span = sent[-1].time - sent[0].time
    assert span == pytest.approx(399 / 400, rel=0.05)  # on schedule, not in a burst
    assert "requested 400/s · achieved" in run.lines(Kind.INFO)[-1]


def test_stop_at_full_rate_stops_within_a_second(running: list[Running]) -> None:
    with CountingEchoServer() as server:
        job = TcpLoadJob("127.0.0.1", server.port, b"x" * 100 + b"\n", 10_000_000, 0.0, 20)
        run = start(running, job)
        poll_until(lambda: bool(run.progress) and run.progress[-1].sent > 5000)
        asked = time.monotonic()
        run.harness.reactor.call_soon(run.run.stop)
        done = run.wait_done(timeout=5)
        assert time.monotonic() - asked < 1.0
        poll_until(lambda: server.closed == 20)  # every connection really closed
    assert done.open == 0 and done.sent < 10_000_000 * 20
    line = run.lines(Kind.INFO)[-1]
    assert line.startswith(f"Load run to 127.0.0.1:{server.port} stopped: 20 connections")
    assert f"of {200_000_000:,} messages" in line


def test_failed_connections_are_one_summary_line(running: list[Running]) -> None:
    port = free_port()
    run = start(running, TcpLoadJob("127.0.0.1", port, b"x", 5, 0.0, 40))
    done = run.wait_done()
    assert (done.connected, done.failed) == (0, 40)
    errors = run.lines(Kind.ERROR)
    assert errors[0] == (
        f"Connected 0 of 40 connections to 127.0.0.1:{port} in "
        + errors[0].split(" in ")[1].split(";")[0]
        + "; 40 failed: Connection refused (40)"
    )
    assert errors[-1] == (
        f"Load run to 127.0.0.1:{port} failed; 40 failed to connect: Connection refused (40)"
    )
    assert len(errors) == 2 and len(run.lines(Kind.INFO)) == 1  # and the opening line


def test_replies_that_differ_end_a_connection_once_as_many_messages_came_back(
    running: list[Running],
) -> None:
    with CountingEchoServer(answer=b"OK\n") as server:
        job = TcpLoadJob("127.0.0.1", server.port, b"a longer request\n", 10, 0.0, 5, framing=LINES)
        run = start(running, job)
        started = time.monotonic()
        done = run.wait_done()
    assert done.received == 50 and done.received_bytes == 150
    assert time.monotonic() - started < load_run.GRACE  # answered: no wait for the grace
    assert not run.lines(Kind.ERROR)


def test_a_peer_that_never_answers_is_closed_after_the_grace(
    running: list[Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_run, "GRACE", 0.2)
    with CountingEchoServer(silent=True) as server:
        job = TcpLoadJob("127.0.0.1", server.port, b"ping\n", 3, 0.0, 2, framing=LINES)
        run = start(running, job)
        done = run.wait_done()
        poll_until(lambda: server.closed == 2)
    assert (done.sent, done.received, done.open) == (6, 0, 0)
    assert server.lines == 6
    assert run.lines(Kind.ERROR)[-1].endswith(
        "; 2 ended early: No complete reply within 0.2 s of quiet (2)"
    )


def test_stop_with_a_thousand_connections_stops_within_a_second(running: list[Running]) -> None:
    with CountingEchoServer() as server:
        job = TcpLoadJob("127.0.0.1", server.port, b"y" * 60 + b"\n", 10_000_000, 0.0, 1000)
        run = start(running, job)
        poll_until(
            lambda: (
                bool(run.progress)
                and run.progress[-1].phase is LoadPhase.SENDING
                and run.progress[-1].sent > 5000
            ),
            timeout=30,
        )
        asked = time.monotonic()
        run.harness.reactor.call_soon(run.run.stop)
        done = run.wait_done(timeout=5)
        assert time.monotonic() - asked < 1.0
        poll_until(lambda: server.closed == 1000, timeout=10)
    assert (done.connected, done.open, server.accepted) == (1000, 0, 1000)
