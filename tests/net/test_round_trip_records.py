"""Exchange records: kept up to the limit, counted past it, copied independently."""

from __future__ import annotations

from app.net.round_trip_records import LOST, RecordBook


def test_records_past_the_limit_are_counted_not_kept() -> None:
    book = RecordBook(limit=3)
    for number in range(1, 6):
        book.add(number, 0, number * 1000, 50, 10, 10)
    assert len(book) == 3
    assert book.dropped == 2
    copy = book.copy(wall_offset_ns=7)
    assert list(copy.number) == [1, 2, 3]
    assert copy.rows == 3 and copy.dropped == 2 and copy.wall_offset_ns == 7


def test_a_copy_does_not_change_with_the_book() -> None:
    book = RecordBook()
    book.add(1, 2, 1000, LOST, 8, 0)
    copy = book.copy(0)
    book.add(2, 2, 2000, 30, 8, 8)
    book.clear()
    assert list(copy.rtt_ns) == [LOST]
    assert list(copy.conn) == [2]
    assert len(book) == 0
