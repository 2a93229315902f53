"""Real peers on loopback for tests: an echo server and a byte-counting sink."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class _ThreadedServer:
    """Listens on loopback; one thread accepts, one thread per connection serves."""

    def __init__(self, family: int = socket.AF_INET) -> None:
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(16)
        self.host = host
        self.port: int = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.accepted = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closing = False
        self._lock = threading.Lock()

    def __enter__(self) -> _ThreadedServer:
        thread = threading.Thread(target=self._accept_loop, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closing = True
        # shutdown() wakes threads blocked in accept/recv; close() alone would not.
        for sock in [self.listener, *self.connections]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(5)
        for sock in [self.listener, *self.connections]:
            sock.close()

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections.append(conn)
            self.accepted.set()
            thread = threading.Thread(target=self._serve_guarded, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve_guarded(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError:
            pass

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError


class EchoServer(_ThreadedServer):
    def serve(self, conn: socket.socket) -> None:
        while data := conn.recv(65536):
            conn.sendall(data)


class SinkServer(_ThreadedServer):
    """Reads everything and counts it; `received` holds the bytes of all connections."""

    def __init__(self, family: int = socket.AF_INET) -> None:
        super().__init__(family)
        self.received = bytearray()
        self.finished = threading.Event()

    def serve(self, conn: socket.socket) -> None:
        while data := conn.recv(1 << 20):
            with self._lock:
                self.received += data
        self.finished.set()


class CloseAtOnceServer(_ThreadedServer):
    def serve(self, conn: socket.socket) -> None:
        conn.close()


def free_port(family: int = socket.AF_INET) -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
