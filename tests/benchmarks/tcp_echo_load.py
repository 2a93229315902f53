"""Load generators for the TCP server benchmark, each run as a process of its own.

`python -m tests.benchmarks.tcp_echo_load echo PORT CLIENTS ROUNDS SIZE [MESSAGE_HEX REPLY]`:
opens CLIENTS non-blocking connections, waits until all are connected, then each sends SIZE
bytes and waits for their exact echo, ROUNDS times, all clients at once on one selector.
With MESSAGE_HEX and REPLY each sends that message and waits for REPLY bytes back instead
(a rule's answer). Prints one JSON line: {"echoes", "seconds", "bad"}.

`python -m tests.benchmarks.tcp_echo_load pour PORT TOTAL`: one client sends TOTAL bytes
as fast as the kernel takes them, then closes. Prints {"bytes", "seconds"}.

`python -m tests.benchmarks.tcp_echo_load asyncio`: the baseline server, a stdlib asyncio
Protocol echo server (the usual way to write one) on a free loopback port; prints
`PORT n` and serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import selectors
import socket
import sys
import time


def echo_load(
    port: int, clients: int, rounds: int, size: int, message: bytes = b"", reply: int = 0
) -> dict[str, float]:
    selector = selectors.DefaultSelector()
    message = message or b"x" * size
    size = reply or size  # the bytes each round waits for
    socks = []
    for _ in range(clients):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        socks.append(sock)
        selector.register(sock, selectors.EVENT_WRITE)
    connected = 0
    while connected < clients:
        for key, _mask in selector.select(5.0):
            selector.unregister(key.fileobj)
            connected += 1
    left = dict.fromkeys(socks, rounds)
    pending = dict.fromkeys(socks, 0)  # bytes of the current round's echo still due
    bad = 0
    start = time.perf_counter()
    for sock in socks:
        sock.send(message)
        pending[sock] = size
        selector.register(sock, selectors.EVENT_READ)
    active = clients
    while active:
        for key, _mask in selector.select(10.0):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                bad += 1
                selector.unregister(sock)
                active -= 1
                continue
            pending[sock] -= len(data)
            if pending[sock] > 0:
                continue
            left[sock] -= 1
            if left[sock]:
                sock.send(message)
                pending[sock] = size
            else:
                selector.unregister(sock)
                active -= 1
    seconds = time.perf_counter() - start
    for sock in socks:
        sock.close()
    return {"echoes": clients * rounds, "seconds": seconds, "bad": bad}


def pour(port: int, total: int) -> dict[str, float]:
    chunk = memoryview(b"\xa5" * (1 << 20))
    sock = socket.create_connection(("127.0.0.1", port))
    start = time.perf_counter()
    sent = 0
    while sent < total:
        sock.sendall(chunk[: min(len(chunk), total - sent)])
        sent += min(len(chunk), total - sent)
    sock.close()
    return {"bytes": sent, "seconds": time.perf_counter() - start}


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


async def serve_asyncio() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoProtocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main(argv: list[str]) -> None:
    if argv[0] == "echo":
        port, clients, rounds, size = (int(a) for a in argv[1:5])
        message = bytes.fromhex(argv[5]) if len(argv) > 5 else b""
        reply = int(argv[6]) if len(argv) > 6 else 0
        print(json.dumps(echo_load(port, clients, rounds, size, message, reply)), flush=True)
    elif argv[0] == "pour":
        print(json.dumps(pour(int(argv[1]), int(argv[2]))), flush=True)
    elif argv[0] == "asyncio":
        asyncio.run(serve_asyncio())
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
