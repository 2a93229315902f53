"""Real UDP peers on loopback for tests: a counting receiver and an echo server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import TracebackType

# Asked for so a burst at full speed fits while the reader thread waits for the GIL; the
# kernel caps it at net.core.rmem_max (doubled), so `rcvbuf` says what was granted.
RCVBUF_WANTED = 8 * 1024 * 1024
KEEP = 2000  # datagrams kept for inspection; counts cover all of them


class UdpReceiver:
    """Binds a loopback port and counts every datagram and byte that arrives."""

    def __init__(self, family: int = socket.AF_INET, *, echo: bool = False) -> None:
        self.host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_WANTED)
        self.sock.bind((self.host, 0))
        # A short timeout lets the thread see the closing flag; it never paces anything.
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.rcvbuf: int = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        self.echo = echo
        self.count = 0
        self.bytes = 0
        self.datagrams: list[bytes] = []
        self.sources: set[tuple[str, int]] = set()
        self._changed = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> UdpReceiver:
        self._thread.start()
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
        self._thread.join(5)
        self.sock.close()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def _serve(self) -> None:
        recvfrom = self.sock.recvfrom
        while not self._closing:
            try:
                data, address = recvfrom(65_535)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._changed:
                self.count += 1
                self.bytes += len(data)
                if len(self.datagrams) < KEEP:
                    self.datagrams.append(data)
                self.sources.add((str(address[0]), int(address[1])))
                self._changed.notify_all()
            if self.echo:
                try:
                    self.sock.sendto(data, address)
                except OSError:
                    pass


def free_udp_port(family: int = socket.AF_INET) -> int:
    """A UDP port nothing listens on (bound, then released)."""
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
