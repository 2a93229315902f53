"""The traffic of the relay benchmark, in a process of its own (no GIL shared with the app).

`python -m tests.benchmarks.relay_pump flood BYTES`: listens (a counting sink), prints its
port, reads the port to send to from stdin, sends BYTES there as fast as the kernel takes
them and prints the seconds from the first byte sent to the last byte counted.

`python -m tests.benchmarks.relay_pump pingpong ROUNDS SIZE`: listens (an echo), prints its
port, reads the port to talk to, does ROUNDS send/receive rounds of SIZE bytes and prints
each round's seconds as JSON.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

CHUNK = 1024 * 1024


def _listen() -> socket.socket:
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    return listener


def flood(total: int) -> None:
    listener = _listen()
    counted = threading.Event()

    def sink() -> None:
        conn, _ = listener.accept()
        buffer = memoryview(bytearray(CHUNK))
        received = 0
        while received < total and (n := conn.recv_into(buffer)):
            received += n
        counted.set()
        conn.close()

    threading.Thread(target=sink, daemon=True).start()
    port = int(sys.stdin.readline())
    block = memoryview(bytes(CHUNK))
    with socket.create_connection(("127.0.0.1", port)) as sender:
        start = time.perf_counter()
        for _ in range(total // CHUNK):
            sender.sendall(block)
        counted.wait()
        print(time.perf_counter() - start, flush=True)


def pingpong(rounds: int, size: int) -> None:
    listener = _listen()

    def echo() -> None:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(65536):
            conn.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    port = int(sys.stdin.readline())
    message = b"p" * size
    times = []
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            start = time.perf_counter()
            client.sendall(message)
            got = 0
            while got < size:
                got += len(client.recv(65536))
            times.append(time.perf_counter() - start)
    print(json.dumps(times), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        flood(int(sys.argv[2]))
    else:
        pingpong(int(sys.argv[2]), int(sys.argv[3]))
