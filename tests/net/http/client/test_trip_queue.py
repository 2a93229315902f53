"""Round trips queued by hops reach the recorder, in order, only when flushed."""

from __future__ import annotations

from app.net.http.client.trip_queue import LOST, TripQueue
from app.net.reactor import Reactor
from app.net.round_trips import RoundTripRecorder


def test_round_trips_reach_the_recorder_when_flushed_answered_and_lost() -> None:
    reactor = Reactor()
    try:
        recorder = RoundTripRecorder(reactor, None, reply_timeout=None)
        trips = TripQueue(recorder)
        trips.add(1_000, 80, 3_000, 14)
        trips.add(5_000, 80, 6_000, LOST)
        trips.add(7_000, 80, 12_000, 14)
        assert len(trips) == 3 and recorder.snapshot().replies == 0
        trips.flush()
        snapshot = recorder.snapshot()
        assert len(trips) == 0
        assert (snapshot.replies, snapshot.lost, snapshot.pending) == (2, 1, 0)
        assert (snapshot.min_ns, snapshot.max_ns) == (2_000, 5_000)
        trips.flush()  # nothing due: nothing changes
        assert recorder.snapshot().replies == 2
    finally:
        reactor.close()
