"""WebSocket peers for tests on loopback: a `websockets` server in a thread, and a raw
server that answers the upgrade by hand and then sends frames no library would."""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebsocketsServer:
    """`websockets.sync.server` on 127.0.0.1, a thread per connection; `close()` stops it.

    `handler(connection)` runs per connection; `closes` collects (code, reason) of each
    connection's close as the server saw it."""

    def __init__(
        self,
        handler: Callable[[ServerConnection], None] | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        **options: Any,
    ) -> None:
        self.closes: list[tuple[int | None, str | None]] = []
        self.received: list[str | bytes] = []
        self._handler = handler or self.echo
        options.setdefault("compression", None)
        self._server: Server = serve(self._run, "127.0.0.1", 0, ssl=ssl_context, **options)
        self.port: int = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def echo(self, connection: ServerConnection) -> None:
        for message in connection:
            self.received.append(message)
            connection.send(message)

    def _run(self, connection: ServerConnection) -> None:
        try:
            self._handler(connection)
        except Exception:
            pass  # the connection ended under the handler: what the test looks at is below
        finally:
            connection.close()
            self.closes.append((connection.close_code, connection.close_reason))

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


def accept_token(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key.strip() + _GUID).digest())


class RawUpgradeServer:
    """Answers one upgrade correctly, then sends `frames` (raw bytes) and keeps what the
    client sends afterwards in `after` until the client closes."""

    def __init__(self, frames: bytes) -> None:
        self._frames = frames
        self.after = bytearray()
        self.done = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        with conn:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            key = next(
                line.split(b":", 1)[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept_token(key) + b"\r\n\r\n"
            )
            conn.sendall(self._frames)
            try:
                while chunk := conn.recv(65536):
                    self.after += chunk
            except OSError:
                pass
        self.done.set()

    def close(self) -> None:
        _stop_listening(self._listener)


def _stop_listening(listener: socket.socket) -> None:
    try:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
    except OSError:
        pass
    listener.close()


def unmask_close(data: bytes) -> tuple[int, bytes]:
    """The code and reason of the first (masked, client-sent) close frame in `data`."""
    assert data[0] == 0x88, data[:2].hex()
    length = data[1] & 0x7F
    mask = data[2:6]
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[6 : 6 + length]))
    return int.from_bytes(payload[:2], "big"), payload[2:]


class SilentServer:
    """Accepts connections and never answers (an upgrade that times out)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            while True:
                conn, _ = self._listener.accept()
                self._held.append(conn)
        except OSError:
            pass

    def close(self) -> None:
        _stop_listening(self._listener)
        for conn in self._held:
            conn.close()
