"""TcpClient's round trips against echo servers the test starts: each reply answers the
oldest send, the RTT on the received row, the median of a delayed echo near its delay,
and sends left unanswered at the close counted as lost."""

from __future__ import annotations

import re

from app.net.events import Kind
from app.net.round_trip_records import LOST
from app.net.round_trips import RoundTripSnapshot
from app.net.tcp.client import TcpClient
from app.net.tcp.status import TcpState, TcpStatus
from tests.net.reactor_harness import ReactorThread
from tests.peers import SinkServer
from tests.round_trip_peers import DelayedTcpEcho

RTT_NOTE = re.compile(r"^RTT [0-9.]+ (ms|s)$")
# A loaded two-core machine may add scheduling delay to each answer; never take it away.
SLACK_S = 0.025


def make_client(loop: ReactorThread) -> TcpClient:
    client = TcpClient(loop.reactor, loop.sink, loop.on_state, on_round_trips=loop.on_state)
    loop.closers.append(client.close)
    return client


def snapshots(loop: ReactorThread) -> list[RoundTripSnapshot]:
    return [s for s in loop.states if isinstance(s, RoundTripSnapshot)]


def state(loop: ReactorThread) -> TcpState | None:
    statuses = [s for s in loop.states if isinstance(s, TcpStatus)]
    return statuses[-1].state if statuses else None


def ping_pong(loop: ReactorThread, client: TcpClient, host: str, port: int, count: int) -> None:
    loop.reactor.call_soon(client.connect, host, port, 5.0)
    loop.wait_for(lambda: state(loop) is TcpState.CONNECTED)
    for i in range(count):
        loop.reactor.call_soon(client.send, b"ping %d" % i)
        loop.wait_for(lambda done=i + 1: len(loop.of_kind(Kind.RECEIVED)) == done)


def test_each_reply_answers_its_send_and_the_row_shows_the_rtt(loop: ReactorThread) -> None:
    with DelayedTcpEcho() as server:
        client = make_client(loop)
        ping_pong(loop, client, server.host, server.port, 20)
        loop.wait_for(lambda: bool(snapshots(loop)) and snapshots(loop)[-1].replies == 20)
        assert server.echoed == 20
        rows = loop.of_kind(Kind.RECEIVED)
        assert all(RTT_NOTE.match(row.message) for row in rows), [r.message for r in rows]
        snap = snapshots(loop)[-1]
        assert (snap.lost, snap.unmatched, snap.out_of_order, snap.pending) == (0, 0, 0, 0)
        assert 0 < snap.min_ns <= snap.median_ns <= snap.p99_ns <= snap.max_ns
        assert sum(snap.histogram) == 20
        records = client.round_trips.records()
        assert list(records.number) == list(range(1, 21))
        assert list(records.sent_size) == [len(b"ping %d" % i) for i in range(20)]
        assert list(records.received_size) == list(records.sent_size)
        assert min(records.rtt_ns) == snap.min_ns and max(records.rtt_ns) == snap.max_ns


def test_the_median_against_a_delayed_echo_is_its_delay(loop: ReactorThread) -> None:
    delay = 0.03
    with DelayedTcpEcho(delay) as server:
        client = make_client(loop)
        ping_pong(loop, client, server.host, server.port, 7)
        loop.wait_for(lambda: bool(snapshots(loop)) and snapshots(loop)[-1].replies == 7)
        snap = snapshots(loop)[-1]
        assert delay * 1e9 <= snap.min_ns <= snap.median_ns < (delay + SLACK_S) * 1e9


def test_sends_unanswered_when_the_connection_ends_are_lost(loop: ReactorThread) -> None:
    with SinkServer() as server:
        client = make_client(loop)
        loop.reactor.call_soon(client.connect, server.host, server.port, 5.0)
        loop.wait_for(lambda: state(loop) is TcpState.CONNECTED)
        loop.reactor.call_soon(client.send, b"one")
        loop.reactor.call_soon(client.send, b"two")
        loop.reactor.call_soon(client.disconnect)
        loop.wait_for(lambda: bool(snapshots(loop)) and snapshots(loop)[-1].lost == 2)
        assert list(client.round_trips.records().rtt_ns) == [LOST, LOST]
