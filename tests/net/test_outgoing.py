from app.net.outgoing import BytesMessage, Outgoing, StreamFailure


def test_only_a_message_that_keeps_its_bytes_has_a_sent_prefix() -> None:
    error = ConnectionResetError()
    kept, bare = BytesMessage(b"abcdef"), Outgoing(b"abcdef")
    kept.sent = bare.sent = 4
    assert StreamFailure("reset", error, True, 4, 0, (kept,)).sent_prefix() == b"abcd"
    assert StreamFailure("reset", error, True, 4, 0, (bare,)).sent_prefix() == b""
    assert StreamFailure("reset", error, False, 0, 0, ()).sent_prefix() == b""


def test_unsent_counts_the_partial_message_and_the_rest_of_the_outbox() -> None:
    first, second = BytesMessage(b"abcdef"), Outgoing(b"xyz")
    first.sent = 2
    failure = StreamFailure("reset", ConnectionResetError(), True, 2, 0, (first, second))
    assert failure.partial is first
    assert failure.unsent == 4 + 3
    assert failure.unsent_text() == "sent 2 of 6 bytes of the last message; 7 bytes not sent"
