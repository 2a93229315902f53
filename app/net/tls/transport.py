"""A TLS `Transport` for `app.net.stream`: `ssl.SSLObject` over two `ssl.MemoryBIO`s.

Sans-IO underneath: OpenSSL never touches the socket. `recv` moves what the socket has
into the incoming BIO, advances the handshake or decrypts, and returns plaintext; `send`
encrypts into the outgoing BIO and hands the ciphertext to the socket. Ciphertext the
socket did not take waits in `_pending`; while it does, `wants_write` asks the stream for
write interest and `push` sends it on the next writability, so the Reactor never blocks
on a handshake and a full socket buffer never loses a record.

`recv` decrypts everything the incoming BIO holds before it returns (it drains
`SSLObject.pending()`): a record already read from the socket will not make the socket
readable again, so anything left behind would wait for the peer's next packet.

Both sides use it: a client starts the handshake at once (its ClientHello waits in
`_pending` for the first writability); a server waits for the ClientHello. Completion
calls `on_handshake(self)`; a failed handshake raises `TlsError` (an `OSError` without
errno whose text is the reason as a person reads it), which the stream turns into its
one `StreamFailure`. The end of the peer's stream without close_notify is not an error:
`recv` returns b"" and `truncated` says so, for the protocol to note.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

from app.net.tls.reasons import describe_tls_error

# Plaintext encrypted per `send` call: bounds the ciphertext held when the socket is full.
SEND_CHUNK = 256 * 1024
# What `SSLObject.read` is asked for at a time; it returns at most one record anyway.
_READ_SIZE = 256 * 1024
# The first byte of every TLS connection is a handshake record (content type 22).
_HANDSHAKE_RECORD = 0x16


class TlsError(OSError):
    """A TLS failure; `str()` is the one-line reason, `ssl_error` what OpenSSL raised."""

    def __init__(self, reason: str, ssl_error: BaseException | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ssl_error = ssl_error


class PlaintextClient(TlsError):
    """The peer's first bytes were not a TLS handshake (plain HTTP to an HTTPS port)."""

    def __init__(self, reason: str, first_bytes: bytes) -> None:
        super().__init__(reason)
        self.first_bytes = first_bytes


class TlsTransport:
    """Lives in the reactor's thread, under one `Stream`."""

    def __init__(
        self,
        sock: socket.socket,
        context: ssl.SSLContext,
        *,
        server_side: bool,
        server_hostname: str | None = None,
        on_handshake: Callable[[TlsTransport], None] | None = None,
        plaintext_reply: bytes | None = None,
    ) -> None:
        self._sock = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.ssl_object = context.wrap_bio(
            self._incoming,
            self._outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
        )
        self.server_side = server_side
        self.server_hostname = server_hostname
        self._on_handshake = on_handshake
        # Sent as is (then the connection fails) when a client's first byte is not TLS.
        self._plaintext_reply = plaintext_reply
        self._first_byte_seen = not server_side
        self._pending = b""  # ciphertext the socket has not taken yet
        self._fin_after_push = False  # shutdown(SHUT_WR) once `_pending` has left
        self._eof = False
        self.handshake_done = False
        self.truncated = False  # the peer's stream ended without close_notify
        self.close_notify_received = False
        if not server_side:
            self._advance_handshake()

    # -- the Transport methods ---------------------------------------------------------

    def recv(self, bufsize: int, /) -> bytes:
        if self._eof:
            return b""
        data = self._sock.recv(bufsize)  # BlockingIOError / OSError go to the stream
        if data:
            if not self._first_byte_seen:
                self._check_first_byte(data)
            self._incoming.write(data)
        else:
            self._incoming.write_eof()
        if not self.handshake_done and not self._advance_handshake():
            raise BlockingIOError
        return self._read_plaintext()

    def send(self, data: memoryview, /) -> int:
        if self._pending and not self.push():
            raise BlockingIOError
        if not self.handshake_done:
            raise BlockingIOError
        n = min(len(data), SEND_CHUNK)
        try:
            self.ssl_object.write(data[:n])
        except ssl.SSLWantReadError:  # a TLS 1.2 renegotiation waits for the peer
            self._take_output()
            self.push()
            raise BlockingIOError from None
        except ssl.SSLError as exc:
            raise TlsError(describe_tls_error(exc), exc) from exc
        self._take_output()
        self.push()
        return n

    def shutdown(self, how: int, /) -> None:
        """Half-close: close_notify first (TLS's end of stream), then the TCP FIN."""
        self._send_close_notify()
        if self._pending:
            self._fin_after_push = True
        else:
            self._sock.shutdown(how)

    # -- what the stream asks besides --------------------------------------------------

    def wants_write(self, outbox: bool) -> bool:
        """Write interest: ciphertext waits, or plaintext waits and can be encrypted."""
        return bool(self._pending) or (outbox and self.handshake_done)

    def holds_output(self) -> bool:
        return bool(self._pending)

    def push(self) -> bool:
        """Send waiting ciphertext; True once none waits. Raises OSError from the socket."""
        while self._pending:
            try:
                n = self._sock.send(self._pending)
            except (BlockingIOError, InterruptedError):
                return False
            self._pending = self._pending[n:]
        if self._fin_after_push:
            self._fin_after_push = False
            try:
                self._sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the peer is gone: the next read reports it
        return True

    def ended(self) -> bool:
        """The peer's end of stream was decrypted along with data: the next `recv` returns
        b"" without the socket, which may never be readable again (the peer waits for
        our close_notify)."""
        return self._eof

    def close_quietly(self) -> None:
        """Best effort before the socket closes: a close_notify, if the socket takes it."""
        if not self.handshake_done:
            return
        self._send_close_notify()
        try:
            self.push()
        except OSError:
            pass

    # -- internals ---------------------------------------------------------------------

    def _advance_handshake(self) -> bool:
        """One handshake step; True once complete. Raises TlsError when it fails."""
        try:
            self.ssl_object.do_handshake()
        except ssl.SSLWantReadError:
            self._take_output()
            self.push()
            return False
        except ssl.SSLError as exc:
            # The alert telling the peer why goes out first, if the socket takes it.
            self._take_output()
            try:
                self.push()
            except OSError:
                pass
            raise TlsError(describe_tls_error(exc, self.server_hostname), exc) from exc
        self.handshake_done = True
        self._take_output()
        self.push()
        if self._on_handshake is not None:
            self._on_handshake(self)
        return True

    def _read_plaintext(self) -> bytes:
        chunks: list[bytes] = []
        read = self.ssl_object.read
        try:
            while True:
                chunk = read(_READ_SIZE)
                if not chunk:  # close_notify: TLS's own end of stream
                    self.close_notify_received = True
                    self._eof = True
                    break
                chunks.append(chunk)
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLEOFError:
            self.truncated = True
            self._eof = True
        except ssl.SSLError as exc:
            raise TlsError(describe_tls_error(exc), exc) from exc
        if self._outgoing.pending:  # a key update or session ticket answer
            self._take_output()
            self.push()
        if not chunks:
            if self._eof:
                return b""
            raise BlockingIOError
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _check_first_byte(self, data: bytes) -> None:
        self._first_byte_seen = True
        if data[0] == _HANDSHAKE_RECORD:
            return
        reply = self._plaintext_reply
        if reply:
            try:
                self._sock.send(reply)
            except OSError:
                pass
        raise PlaintextClient(_plaintext_reason(data), data[:64])

    def _send_close_notify(self) -> None:
        try:
            self.ssl_object.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass  # sent; the peer's close_notify is not awaited
        except (ssl.SSLError, ValueError):
            return
        self._take_output()

    def _take_output(self) -> None:
        if self._outgoing.pending:
            out = self._outgoing.read()
            self._pending = self._pending + out if self._pending else out


def _plaintext_reason(data: bytes) -> str:
    head = data[:8]
    if head[:1].isalpha() and head.isascii():
        word = head.split(b" ", 1)[0].decode("ascii", "replace")
        return f"the client spoke plain text ({word!r}…) to the TLS port, not TLS"
    return "the client's first bytes were not a TLS handshake"
