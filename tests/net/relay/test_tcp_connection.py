"""Relayed TCP connections against real targets on loopback: both ways, every fault."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest

from app.net.events import Kind
from app.net.relay.faults import FaultDirection, RelayFaults
from app.net.relay.legs import parse_leg
from app.net.relay.tcp_connection import HIGH_WATER, MAX_RECV_SIZE
from tests.net.relay.relay_harness import (
    CountingSink,
    RelayThread,
    connect,
    name_of,
    recv_until_closed,
)
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer, free_port
from tests.process_memory import rss_mb


class ClosingEchoServer(EchoServer):
    """Echoes, and ends its side once the client has ended its own."""

    def serve(self, conn: socket.socket) -> None:
        super().serve(conn)
        conn.shutdown(socket.SHUT_WR)


def test_bytes_go_both_ways_and_each_chunk_is_a_row_per_leg(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"ping")
            assert recv_exactly(client, 4) == b"ping"
            me, target = name_of(client), f"127.0.0.1:{echo.port}"
            relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 2)
    rows = [e for e in relay.events if e.kind in (Kind.SENT, Kind.RECEIVED)]
    seen = [(e.kind, e.peer, e.data, e.detail) for e in rows]
    assert seen == [
        (Kind.RECEIVED, me, b"ping", "TCP · client leg · Client to target"),
        (Kind.SENT, target, b"ping", "TCP · target leg · Client to target"),
        (Kind.RECEIVED, target, b"ping", "TCP · target leg · Target to client"),
        (Kind.SENT, me, b"ping", "TCP · client leg · Target to client"),
    ]
    # The client's leg is seen from the relay's listening end, the target's from its own.
    assert rows[0].local == f"127.0.0.1:{port}"
    assert rows[1].local not in ("", rows[0].local)


@pytest.mark.skipif(shutil.which("socat") is None, reason="socat is not installed")
def test_a_socat_cat_target_gets_a_megabyte_back(relay: RelayThread) -> None:
    target_port = free_port()
    socat = subprocess.Popen(
        ["socat", f"TCP-LISTEN:{target_port},bind=127.0.0.1,reuseaddr,fork", "EXEC:cat"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(target_port)
        port = relay.begin(target_port)
        payload = bytes(range(256)) * 4096
        with connect(port) as client:
            client.sendall(payload)
            assert recv_exactly(client, len(payload)) == payload
            client.shutdown(socket.SHUT_WR)
            assert recv_until_closed(client) == b""  # cat ended: socat closed, so did we
    finally:
        socat.kill()
        socat.wait(5)


def wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            threading.Event().wait(0.02)  # a subprocess gives no signal when it listens


def test_a_refused_target_closes_the_client_with_one_line(relay: RelayThread) -> None:
    dead = free_port()
    port = relay.begin(dead)
    with connect(port) as client:
        try:
            assert client.recv(10) == b""
        except ConnectionResetError:
            pass
    relay.wait_for(lambda: bool(relay.messages(Kind.ERROR)))
    errors = relay.messages(Kind.ERROR)
    assert errors == [
        f"Target 127.0.0.1:{dead}: Connection refused; closed the client's connection"
    ]


def test_delay_holds_each_direction(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port, faults=RelayFaults(delay_ms=300))
        with connect(port) as client:
            start = time.monotonic()
            client.sendall(b"slow")
            assert recv_exactly(client, 4) == b"slow"
            assert time.monotonic() - start >= 0.59
    received, sent = relay.events_of(Kind.RECEIVED)[0], relay.events_of(Kind.SENT)[0]
    assert sent.time - received.time >= 0.29
    assert sent.detail.endswith("held 300 ms")


def test_jitter_keeps_the_order_of_each_direction(relay: RelayThread) -> None:
    payload = b"".join(b"%05d," % n for n in range(3000))
    with EchoServer() as echo:
        port = relay.begin(echo.port, faults=RelayFaults(jitter_ms=40, chunk_size=50))
        with connect(port) as client:
            client.sendall(payload)
            assert recv_exactly(client, len(payload)) == payload


def test_rate_limits_one_direction(relay: RelayThread) -> None:
    faults = RelayFaults(rate_kbps=100, direction=FaultDirection.CLIENT_TO_TARGET)
    with EchoServer() as echo:
        port = relay.begin(echo.port, faults=faults)
        with connect(port) as client:
            start = time.monotonic()
            client.sendall(b"r" * 60_000)  # 0.6 s at 100 kB/s
            assert recv_exactly(client, 60_000) == b"r" * 60_000
            assert time.monotonic() - start >= 0.5
    assert max(len(e.data) for e in relay.events_of(Kind.SENT, f"127.0.0.1:{echo.port}")) <= 5000


def test_corrupt_flips_one_byte_of_a_chunk(relay: RelayThread) -> None:
    faults = RelayFaults(corrupt_percent=100, direction=FaultDirection.TARGET_TO_CLIENT)
    with EchoServer() as echo:
        port = relay.begin(echo.port, faults=faults)
        with connect(port) as client:
            client.sendall(b"A" * 10)
            back = recv_exactly(client, 10)
    assert sum(byte != 0x41 for byte in back) == 1 and 0xBE in back
    assert relay.data_to(f"127.0.0.1:{echo.port}") == b"A" * 10  # the other way untouched
    relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 2)  # logged once it left
    assert "flipped: 0x41 → 0xBE" in relay.events_of(Kind.SENT)[-1].detail


def test_chunk_forwards_in_pieces(relay: RelayThread) -> None:
    with EchoServer() as echo:
        target = f"127.0.0.1:{echo.port}"
        port = relay.begin(echo.port, faults=RelayFaults(chunk_size=3))
        with connect(port) as client:
            client.sendall(b"abcdefghij")
            assert recv_exactly(client, 10) == b"abcdefghij"
            relay.wait_for(lambda: relay.data_to(target) == b"abcdefghij")
    assert all(len(e.data) <= 3 for e in relay.events_of(Kind.SENT))


def test_close_after_cuts_the_connection(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port, faults=RelayFaults(close_after=10))
        with connect(port) as client:
            client.sendall(b"0123456789abcdefghij")
            try:
                back = recv_until_closed(client)
            except ConnectionResetError:
                back = b""
    assert relay.data_to(f"127.0.0.1:{echo.port}") == b"0123456789"
    assert back == b""  # the 10 bytes forwarded used the whole budget: none came back
    relay.wait_for(lambda: any("close-after limit" in m for m in relay.messages(Kind.INFO)))


def test_an_end_of_stream_is_passed_on_both_ways(relay: RelayThread) -> None:
    with ClosingEchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"last words")
            client.shutdown(socket.SHUT_WR)
            assert recv_until_closed(client) == b"last words"
    relay.wait_for(lambda: any("both finished" in m for m in relay.messages(Kind.INFO)))


def test_every_relay_row_names_its_leg(relay: RelayThread) -> None:
    with EchoServer() as echo:
        port = relay.begin(echo.port)
        with connect(port) as client:
            client.sendall(b"x")
            recv_exactly(client, 1)
    relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 2)
    connected = [e for e in relay.events if e.kind is Kind.INFO and e.local and e.peer]
    assert [parse_leg(e.detail) for e in connected] == [(False, True), (False, False)]


def test_a_target_that_does_not_read_stops_the_client(relay: RelayThread) -> None:
    sink = CountingSink()
    try:
        port = relay.begin(sink.port)
        with connect(port) as client:
            client.setblocking(False)
            block = b"b" * (1 << 20)
            written = 0
            stalled_since = time.monotonic()
            while time.monotonic() - stalled_since < 1.0 and written < 100 * (1 << 20):
                try:
                    written += client.send(block)
                    stalled_since = time.monotonic()
                except BlockingIOError:
                    relay.wait_for(lambda: True, 0.05)  # let the relay thread run
            # Kernel buffers on three sockets plus the relay's own high water, no more.
            assert written < 64 * (1 << 20), written
            assert HIGH_WATER + MAX_RECV_SIZE < 64 * (1 << 20)
            sink.go.set()
            client.setblocking(True)
            client.shutdown(socket.SHUT_WR)
            assert sink.done.wait(20)
        assert sink.received == written
    finally:
        sink.close()


def test_a_large_transfer_keeps_memory_bounded() -> None:
    relay = RelayThread(keep_data=False).start()
    sink = CountingSink()
    sink.go.set()
    try:
        port = relay.begin(sink.port)  # type: ignore[attr-defined]
        before = rss_mb()
        peak = before
        total = 100 * (1 << 20)
        block = bytes(1 << 20)
        with connect(port) as client:
            for _ in range(total // len(block)):
                client.sendall(block)
                peak = max(peak, rss_mb())
            client.shutdown(socket.SHUT_WR)
            assert sink.done.wait(30)
        assert sink.received == total
        assert peak - before < 60, f"grew {peak - before:.0f} MB relaying 100 MB"
    finally:
        sink.close()
        relay.stop()


def test_a_silent_target_closes_the_client_at_the_deadline(relay: RelayThread) -> None:
    # A listener whose accept queue is full drops further SYNs: connecting hangs.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        fillers = []
        try:
            for _ in range(4):  # enough to fill the queue whatever the kernel rounds it to
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(full.getsockname())
                fillers.append(filler)
            relay.relay.tcp.connect_timeout = 0.3
            port = relay.begin(full.getsockname()[1])
            with connect(port) as client:
                start = time.monotonic()
                try:
                    assert client.recv(10) == b""
                except ConnectionResetError:
                    pass
                assert time.monotonic() - start >= 0.25
        finally:
            for filler in fillers:
                filler.close()
    relay.wait_for(lambda: bool(relay.messages(Kind.ERROR)))  # logged as the client closes
    errors = relay.messages(Kind.ERROR)
    assert len(errors) == 1 and errors[0].endswith(
        "No answer within 0.3 s; closed the client's connection"
    )


class FloodServer(EchoServer):
    """Sends 64 MB to each client at once, whether it reads or not."""

    def serve(self, conn: socket.socket) -> None:
        conn.sendall(bytes(64 * (1 << 20)))


def test_the_cut_does_not_wait_for_the_other_direction(relay: RelayThread) -> None:
    faults = RelayFaults(close_after=4, direction=FaultDirection.CLIENT_TO_TARGET)
    with FloodServer() as target:
        port = relay.begin(target.port, faults=faults)
        with connect(port) as client:  # never reads: megabytes wait toward it
            client.sendall(b"cut!")
            relay.wait_for(lambda: any("close-after limit" in m for m in relay.messages()))
    assert relay.data_to(f"127.0.0.1:{target.port}") == b"cut!"


@pytest.mark.skipif(shutil.which("ncat") is None, reason="ncat is not installed")
def test_an_ncat_client_through_the_relay(relay: RelayThread) -> None:
    with ClosingEchoServer() as echo:
        port = relay.begin(echo.port)
        # ncat sends its stdin, half-closes at its end, prints what comes back until EOF.
        done = subprocess.run(
            ["ncat", "127.0.0.1", str(port)],
            input=b"through ncat\n",
            capture_output=True,
            timeout=20,
        )
    assert done.stdout == b"through ncat\n", done.stderr
    relay.wait_for(lambda: any("both finished" in m for m in relay.messages(Kind.INFO)))
