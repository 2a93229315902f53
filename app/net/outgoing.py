"""What a stream's outbox holds and what a broken stream reports of it: the records every
stream protocol builds and reads, apart from the Stream (app/net/stream.py) that moves them."""

from __future__ import annotations

from typing import NamedTuple


class Outgoing:
    """One message in the outbox: `size` bytes, of which `sent` have left so far.

    `view` is the piece being sent and `pos` how far into it; a message produced piece by
    piece (a file body) overrides `more()` to return the next piece.
    """

    __slots__ = ("pos", "sent", "size", "view")

    def __init__(self, data: bytes | memoryview, size: int | None = None) -> None:
        self.view = data if isinstance(data, memoryview) else memoryview(data)
        self.pos = 0
        self.sent = 0
        self.size = len(self.view) if size is None else size

    def more(self) -> memoryview | None:
        """The next piece once `view` is sent; None or empty when there is no more."""
        return None


class BytesMessage(Outgoing):
    """A send whose bytes are kept, to log them once sent (or the prefix that left)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.data = data


class StreamFailure(NamedTuple):
    """Why a stream broke, and exactly what of its outbox did not leave."""

    reason: str  # the OSError in words (app.net.errors.describe)
    error: OSError
    writing: bool  # the failure came from a send (else from a recv)
    bytes_sent: int
    bytes_received: int
    dropped: tuple[Outgoing, ...]  # the outbox as it was: the first one partly sent

    @property
    def partial(self) -> Outgoing | None:
        """The message that was being sent, if any."""
        return self.dropped[0] if self.dropped else None

    @property
    def unsent(self) -> int:
        """Bytes of the outbox that never left, the partial message's rest included."""
        return sum(item.size - item.sent for item in self.dropped)

    def sent_prefix(self) -> bytes:
        """What of the partly sent message did leave (b"" if nothing did).

        Whoever logs sends logs exactly this prefix as sent, so the counts stay true.
        """
        item = self.partial
        if isinstance(item, BytesMessage):
            return item.data[: item.sent]
        return b""

    def unsent_text(self) -> str:
        """`sent N of M bytes of the last message; K bytes not sent`, or "" if none."""
        item = self.partial
        if item is None:
            return ""
        return (
            f"sent {item.sent:,} of {item.size:,} bytes of the last message; "
            f"{self.unsent:,} bytes not sent"
        )
