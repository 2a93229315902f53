"""What a `Stream` does its I/O through: a plain socket, or a layer with records of its own.

A plain socket is its own transport, so the hot path is the C methods of `socket.socket`
with no Python layer in between. TLS (`app.net.tls.transport`) wraps the socket with an
`ssl.SSLObject` and two `ssl.MemoryBIO`s: `recv` moves ciphertext from the socket into
the incoming BIO and returns plaintext; `send` encrypts and writes to the socket; both
raise `BlockingIOError` while the record layer needs more bytes, which the stream already
treats as "try again on the next readiness".

A layered transport also holds ciphertext the socket has not taken (handshake records, a
record cut by a full socket buffer), which is what the stream asks it besides: `_watch`
takes its write interest, `flush` pushes its records first and reports `drained` only
once none waits, `close` lets it send a close_notify, and a read that found the end of
stream along with data delivers that end at once (the socket may never be readable
again). A plain socket skips all of it: the stream's `_layer` is None.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class Transport(Protocol):
    """Raw byte I/O under a stream; `socket.socket` is one."""

    def recv(self, bufsize: int, /) -> bytes: ...

    def send(self, data: memoryview, /) -> int: ...

    def shutdown(self, how: int, /) -> None: ...


@runtime_checkable
class LayeredTransport(Transport, Protocol):
    """A transport with output of its own (TLS records), which the stream must send."""

    def wants_write(self, outbox: bool, /) -> bool:
        """Whether to ask for writability: records wait, or `outbox` can be encrypted."""
        ...

    def holds_output(self) -> bool: ...

    def ended(self) -> bool:
        """The end of the peer's stream is known: the next `recv` returns b""."""
        ...

    def push(self) -> bool:
        """Send waiting records; True once none waits. Raises OSError."""
        ...

    def close_quietly(self) -> None:
        """Best effort before the socket closes (a close_notify), never raising."""
        ...
