"""EventBatcher: one batch in flight until acknowledged, nothing lost, exact backlog bytes."""

from __future__ import annotations

import threading

from app.net.batcher import EventBatcher
from app.net.events import Kind, LogEvent, Source, make_event


def event(n: int, size: int = 10) -> LogEvent:
    return make_event(Source.UDP, Kind.SENT, f"#{n}", data=b"x" * size)


class Consumer:
    def __init__(self) -> None:
        self.batches: list[list[LogEvent]] = []

    def __call__(self, batch: list[LogEvent]) -> None:
        self.batches.append(batch)


def test_flush_delivers_everything_pending_as_one_batch() -> None:
    consumer = Consumer()
    batcher = EventBatcher(consumer)
    batcher.flush()
    assert consumer.batches == [], "nothing pending: nothing delivered"
    events = [event(n) for n in range(3)]
    batcher.add(events[0])
    batcher.extend(events[1:])
    batcher.flush()
    assert consumer.batches == [events]


def test_only_one_batch_is_in_flight_until_ack() -> None:
    consumer = Consumer()
    batcher = EventBatcher(consumer)
    batcher.add(event(1))
    batcher.flush()
    batcher.add(event(2))
    batcher.add(event(3))
    batcher.flush()
    assert len(consumer.batches) == 1, "the first batch was not acknowledged yet"
    batcher.ack()
    batcher.flush()
    assert [[e.message for e in b] for b in consumer.batches] == [["#1"], ["#2", "#3"]]


def test_force_delivers_while_a_batch_is_in_flight() -> None:
    consumer = Consumer()
    batcher = EventBatcher(consumer)
    batcher.add(event(1))
    batcher.flush()
    batcher.add(event(2))
    batcher.flush(force=True)
    assert [[e.message for e in b] for b in consumer.batches] == [["#1"], ["#2"]]


def test_backlog_bytes_counts_pending_and_in_flight_until_acknowledged() -> None:
    consumer = Consumer()
    batcher = EventBatcher(consumer)
    assert batcher.backlog_bytes == 0
    batcher.add(event(1, size=100))
    batcher.extend([event(2, size=20), event(3, size=0)])
    assert batcher.backlog_bytes == 120
    batcher.flush()
    assert batcher.backlog_bytes == 120, "delivered is not yet taken in"
    batcher.add(event(4, size=5))
    assert batcher.backlog_bytes == 125
    batcher.ack()
    assert batcher.backlog_bytes == 5
    batcher.flush()
    batcher.ack()
    assert batcher.backlog_bytes == 0


def test_backlog_uses_size_not_the_kept_data() -> None:
    batcher = EventBatcher(Consumer())
    batcher.add(make_event(Source.TCP, Kind.RECEIVED, data=b"abc", size=70_000))
    assert batcher.backlog_bytes == 70_000


def test_events_added_from_many_threads_are_all_delivered_once() -> None:
    consumer = Consumer()
    batcher = EventBatcher(consumer)

    def produce(k: int) -> None:
        for n in range(500):
            batcher.add(event(k * 1000 + n, size=1))

    threads = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    # The consumer side flushes and acknowledges while the producers run.
    while any(t.is_alive() for t in threads):
        batcher.flush()
        batcher.ack()
    for thread in threads:
        thread.join()
    batcher.flush()
    batcher.ack()
    delivered = [e.message for batch in consumer.batches for e in batch]
    assert sorted(delivered) == sorted(f"#{k * 1000 + n}" for k in range(4) for n in range(500))
    assert batcher.backlog_bytes == 0
