"""A counting echo server for load runs: one selector thread, any number of connections.

It counts what it accepted and every byte that came in (and went back), so a test can
check the client's counts against the server's. With `answer` set it answers each line
with that instead of echoing it (replies that differ from the requests); `silent` never
answers.
"""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType


class CountingEchoServer:
    def __init__(self, answer: bytes = b"", silent: bool = False) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.listener.setblocking(False)
        self.port: int = self.listener.getsockname()[1]
        self.answer = answer
        self.silent = silent  # read and count, never answer
        self.accepted = 0
        self.closed = 0  # connections the client ended (EOF or reset)
        self.received = 0  # bytes
        self.lines = 0  # complete lines received
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CountingEchoServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping = True
        self._wake_w.send(b"x")
        self._thread.join(5)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()
        self._wake_w.close()

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select(1.0):
                sock = key.fileobj
                if sock is self.listener:
                    self._accept()
                elif sock is not self._wake_r:
                    assert isinstance(sock, socket.socket)
                    self._serve(sock)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(True)  # replies are small: sendall never waits long
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.accepted += 1
            self._selector.register(conn, selectors.EVENT_READ)

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._selector.unregister(conn)
            conn.close()
            self.closed += 1
            return
        self.received += len(data)
        lines = data.count(b"\n")
        self.lines += lines
        if self.silent:
            return
        try:
            conn.sendall(self.answer * lines if self.answer else data)
        except OSError:
            pass
