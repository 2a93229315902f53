"""UdpSender's round trips while listening, against UDP echo peers the test starts: every
datagram answered, only the even counters answered (the odd ones lost after the reply
timeout), replies out of order, a delayed peer, and no counter at all (FIFO). What the
recorder reports is checked against what the peer answered."""

from __future__ import annotations

from app.net.events import Kind, LogEvent
from app.net.round_trip_records import LOST
from app.net.round_trips import RoundTripSnapshot
from app.net.udp.sender import UdpSender
from app.net.udp.status import UdpJob
from app.payload import PayloadFormat, compile_message
from tests.net.reactor_harness import ReactorThread
from tests.round_trip_peers import UdpEchoPeer, counter_of

SLACK_S = 0.025  # scheduling delay a loaded machine may add, never remove


class Sender:
    def __init__(self, loop: ReactorThread, reply_timeout: float = 0.3) -> None:
        self.loop = loop
        self.sender = UdpSender(
            loop.reactor,
            loop.sink,
            lambda _status: None,
            sink_many=self.extend,
            on_round_trips=loop.on_state,
        )
        loop.closers.append(self.sender.close)
        loop.reactor.call_soon(self.sender.round_trips.set_reply_timeout, reply_timeout)

    def extend(self, events: list[LogEvent]) -> None:
        for event in events:
            self.loop.sink(event)

    def run(self, peer: UdpEchoPeer, text: str, count: int, interval: float = 0.0) -> None:
        template = compile_message(text, PayloadFormat.TEXT)
        job = UdpJob(peer.host, peer.port, b"", count, interval, listen=True, template=template)
        self.loop.reactor.call_soon(self.sender.start, job)

    def settled(self, total: int) -> RoundTripSnapshot:
        """The snapshot once every datagram is answered or lost."""

        def done() -> bool:
            snaps = self.snapshots()
            return bool(snaps) and snaps[-1].replies + snaps[-1].lost == total

        self.loop.wait_for(done)
        return self.snapshots()[-1]

    def snapshots(self) -> list[RoundTripSnapshot]:
        return [s for s in self.loop.states if isinstance(s, RoundTripSnapshot)]


def answered_numbers(sender: UdpSender) -> tuple[list[int], list[int]]:
    records = sender.round_trips.records()
    answered = [n for n, rtt in zip(records.number, records.rtt_ns, strict=True) if rtt != LOST]
    lost = [n for n, rtt in zip(records.number, records.rtt_ns, strict=True) if rtt == LOST]
    return sorted(answered), sorted(lost)


def test_every_datagram_answered_at_full_speed(loop: ReactorThread) -> None:
    with UdpEchoPeer() as peer:
        probe = Sender(loop)
        probe.run(peer, "seq={{counter}}", 500)
        snap = probe.settled(500)
        assert len(peer.answered) == 500
        assert (snap.replies, snap.lost, snap.unmatched) == (500, 0, 0)
        rows = [e for e in loop.of_kind(Kind.RECEIVED)]
        assert len(rows) == 500 and all(r.message.startswith("RTT ") for r in rows)


def test_only_even_counters_answered_the_odd_are_lost(loop: ReactorThread) -> None:
    with UdpEchoPeer(answers=lambda data: counter_of(data) % 2 == 0) as peer:
        probe = Sender(loop, reply_timeout=0.2)
        probe.run(peer, "n {{counter:6}}", 200, interval=0.0005)
        snap = probe.settled(200)
        assert (snap.replies, snap.lost, snap.out_of_order) == (100, 100, 0)
        answered, lost = answered_numbers(probe.sender)
        assert answered == sorted(counter_of(d) for d in peer.answered) == list(range(2, 201, 2))
        assert lost == list(range(1, 201, 2))


def test_replies_out_of_order_are_matched_and_counted(loop: ReactorThread) -> None:
    with UdpEchoPeer(reorder=True) as peer:
        probe = Sender(loop)
        probe.run(peer, "{{counter}}", 100, interval=0.001)
        snap = probe.settled(100)
        assert (snap.replies, snap.lost) == (100, 0)
        assert snap.out_of_order == 50  # every pair came back second first
        records = probe.sender.round_trips.records()
        assert sorted(records.number) == list(range(1, 101))


def test_the_median_against_a_delayed_peer_is_its_delay(loop: ReactorThread) -> None:
    delay = 0.02
    with UdpEchoPeer(delay=delay) as peer:
        probe = Sender(loop)
        probe.run(peer, "t{{counter}}", 20, interval=0.01)
        snap = probe.settled(20)
        assert snap.replies == 20
        assert delay * 1e9 <= snap.min_ns <= snap.median_ns < (delay + SLACK_S) * 1e9


def test_without_a_counter_replies_answer_the_oldest_datagram(loop: ReactorThread) -> None:
    with UdpEchoPeer() as peer:
        probe = Sender(loop)
        probe.run(peer, "same every time", 50, interval=0.0005)
        snap = probe.settled(50)
        assert (snap.replies, snap.lost, snap.out_of_order) == (50, 0, 0)
        assert len(peer.answered) == 50
