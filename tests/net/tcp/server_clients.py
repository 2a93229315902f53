"""Raw-socket clients for the TCP server's tests: exact reads and many clients at once."""

from __future__ import annotations

import selectors
import socket
import time


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def connect_many(
    port: int, count: int, template: bytes, host: str = "127.0.0.1", timeout: float = 60.0
) -> int:
    """Open `count` non-blocking clients at once, each sends `template % i` and reads it back.

    All stay connected until every one has its echo (so the server really holds `count`
    clients), then all close. Returns how many got their exact echo before `timeout`.
    """
    selector = selectors.DefaultSelector()
    expected: dict[socket.socket, bytes] = {}
    got: dict[socket.socket, bytearray] = {}
    pending_send: dict[socket.socket, bytes] = {}
    try:
        for i in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex((host, port))
            message = template % i
            expected[sock] = message
            got[sock] = bytearray()
            pending_send[sock] = message
            selector.register(sock, selectors.EVENT_WRITE | selectors.EVENT_READ)
        done = 0
        deadline = time.monotonic() + timeout
        while done < count and time.monotonic() < deadline:
            for key, mask in selector.select(1.0):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if mask & selectors.EVENT_WRITE and sock in pending_send:
                    try:
                        n = sock.send(pending_send[sock])
                    except (BlockingIOError, InterruptedError):
                        continue
                    rest = pending_send.pop(sock)[n:]
                    if rest:
                        pending_send[sock] = rest
                    else:
                        selector.modify(sock, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except ConnectionError:
                        chunk = b""
                    got[sock] += chunk
                    if not chunk or len(got[sock]) >= len(expected[sock]):
                        selector.unregister(sock)
                        done += 1
        return sum(1 for sock, data in got.items() if bytes(data) == expected[sock])
    finally:
        for sock in expected:
            sock.close()
        selector.close()
