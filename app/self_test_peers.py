"""Loopback peers for the self-test: a TCP echo server, a UDP receiver, an HTTP fetch.

They run in background threads so the GUI thread, which the self-test drives like a
person, never blocks on a socket. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import selectors
import socket
import threading
from dataclasses import dataclass
from types import TracebackType

LOOPBACK = "127.0.0.1"
# The peers' thread checks its stop flag this often; close() waits at most a few of these.
_POLL_S = 0.05


def free_loopback_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port nothing listens on right now (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """True when a TCP listener could bind 127.0.0.1:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as every server sets it: TIME_WAIT from a closed peer is not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


class LoopbackPeers:
    """A TCP echo server and a UDP receiver served by one selector thread.

    `tcp_port` echoes every byte back on every connection; `udp_port` keeps each datagram
    it receives in `datagrams` (read it under `lock`).
    """

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.tcp_port: int = self.listener.getsockname()[1]
        self.receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.receiver.bind((LOOPBACK, 0))
        self.receiver.setblocking(False)
        self.udp_port: int = self.receiver.getsockname()[1]
        self.lock = threading.Lock()
        self.datagrams: list[bytes] = []
        self.echoed_bytes = 0
        self._connections: list[socket.socket] = []
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._selector.register(self.receiver, selectors.EVENT_READ)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="self-test peers", daemon=True)

    def __enter__(self) -> LoopbackPeers:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def received_datagrams(self) -> list[bytes]:
        with self.lock:
            return list(self.datagrams)

    def close(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        for sock in [self.listener, self.receiver, *self._connections]:
            sock.close()
        self._selector.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            for key, _mask in self._selector.select(_POLL_S):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    if sock is self.listener:
                        self._accept()
                    elif sock is self.receiver:
                        self._receive_datagram()
                    else:
                        self._echo(sock)
                except OSError:
                    if sock not in (self.listener, self.receiver):
                        self._drop(sock)

    def _accept(self) -> None:
        conn, _address = self.listener.accept()
        # Blocking sends: an echo of a few bytes never fills the buffer, and a blocked
        # send would only delay this thread, never the GUI.
        conn.setblocking(True)
        conn.settimeout(5)
        self._connections.append(conn)
        self._selector.register(conn, selectors.EVENT_READ)

    def _receive_datagram(self) -> None:
        data, _address = self.receiver.recvfrom(65535)
        with self.lock:
            self.datagrams.append(data)

    def _echo(self, conn: socket.socket) -> None:
        data = conn.recv(65536)
        if not data:
            self._drop(conn)
            return
        conn.sendall(data)
        with self.lock:
            self.echoed_bytes += len(data)

    def _drop(self, conn: socket.socket) -> None:
        self._selector.unregister(conn)
        self._connections.remove(conn)
        conn.close()


class UdpProbe:
    """A plain UDP socket on loopback that sends one datagram and collects what comes back.

    Non-blocking and read only when polled: the GUI thread never waits on it.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self.replies: list[bytes] = []

    def send(self, data: bytes, port: int) -> None:
        self.sock.sendto(data, (LOOPBACK, port))

    def poll(self) -> list[bytes]:
        """Every datagram received so far (reads what arrived since the last call)."""
        while True:
            try:
                self.replies.append(self.sock.recv(65_535))
            except (BlockingIOError, InterruptedError):
                return self.replies
            except OSError:
                return self.replies

    def close(self) -> None:
        self.sock.close()


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int = 0
    body: bytes = b""
    error: str = ""


class HttpFetch:
    """One GET in a background thread; poll `result` from the GUI thread."""

    def __init__(self, port: int, path: str, timeout_s: float = 5.0) -> None:
        self.result: FetchResult | None = None
        self._port = port
        self._path = path
        self._timeout_s = timeout_s
        self._thread = threading.Thread(target=self._fetch, name="self-test fetch", daemon=True)

    def start(self) -> HttpFetch:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join(self._timeout_s + 1)

    def _fetch(self) -> None:
        conn = http.client.HTTPConnection(LOOPBACK, self._port, timeout=self._timeout_s)
        try:
            conn.request("GET", self._path, headers={"Connection": "close"})
            response = conn.getresponse()
            self.result = FetchResult(status=response.status, body=response.read())
        except (OSError, http.client.HTTPException) as exc:
            self.result = FetchResult(error=f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()


class TcpEchoProbe:
    """A raw socket client in a background thread: connect, send, read the echo back.

    The other end of the TCP Server tab for the self-test; poll `result` (the bytes that
    came back) or `error` from the GUI thread.
    """

    def __init__(self, port: int, payload: bytes, timeout_s: float = 5.0) -> None:
        self.result: bytes | None = None
        self.error = ""
        self._port = port
        self._payload = payload
        self._timeout_s = timeout_s
        self._thread = threading.Thread(target=self._run, name="self-test probe", daemon=True)

    def start(self) -> TcpEchoProbe:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join(self._timeout_s + 1)

    def _run(self) -> None:
        try:
            with socket.create_connection((LOOPBACK, self._port), self._timeout_s) as sock:
                sock.sendall(self._payload)
                echoed = b""
                while len(echoed) < len(self._payload):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    echoed += chunk
                self.result = echoed
        except OSError as exc:
            self.error = f"{type(exc).__name__}: {exc}"
