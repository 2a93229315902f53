"""TcpServer against real clients on loopback (raw sockets, ncat, socat), without Qt."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from app.net.events import Kind, Source
from app.net.reply import ReplyMode
from app.net.tcp.server import TcpServer
from app.net.tcp.server_status import ClientRow, ReplyConfig, ServerState, TcpServerStatus
from app.payload import PayloadFormat, compile_message
from tests.net.reactor_harness import ReactorThread
from tests.net.tcp.server_clients import connect_many, recv_exactly
from tests.peers import free_port

TEXT = PayloadFormat.TEXT


class Harness(ReactorThread):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[ClientRow]] = []
        self.server = TcpServer(self.reactor, self.sink, self.on_state, self.on_clients)
        self.closers.append(self.server.close)

    def on_clients(self, rows: list[ClientRow]) -> None:
        with self._changed:
            self.tables.append(rows)
            self._changed.notify_all()

    def status(self) -> TcpServerStatus | None:
        with self._lock:
            status = self.states[-1] if self.states else None
        assert status is None or isinstance(status, TcpServerStatus)
        return status

    def start(self) -> Harness:  # type: ignore[override]
        super().start()
        return self

    def listen(self, host: str = "127.0.0.1", port: int = 0, max_clients: int = 1000) -> int:
        before = len(self.states)
        self.reactor.call_soon(self.server.start, host, port, max_clients)
        self.wait_for(lambda: len(self.states) > before)
        status = self.status()
        assert status is not None and status.state is ServerState.LISTENING, status
        return int(status.bound.split(", ")[0].rpartition(":")[2])

    def messages(self, kind: Kind | None = None) -> list[str]:
        with self._lock:
            return [e.message for e in self.events if kind is None or e.kind is kind]

    def peers_in_table(self) -> set[str]:
        with self._lock:
            return {row.peer for row in self.tables[-1]} if self.tables else set()


@pytest.fixture
def loop() -> Iterator[Harness]:
    harness = Harness().start()
    yield harness
    harness.stop()


def client(port: int, host: str = "127.0.0.1") -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect((host, port))
    return sock


def peer_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def test_echo_logs_every_chunk_with_its_client(loop: Harness) -> None:
    port = loop.listen()
    with client(port) as a, client(port) as b:
        a.sendall(b"from a")
        assert recv_exactly(a, 6) == b"from a"
        b.sendall(b"from b")
        assert recv_exactly(b, 6) == b"from b"
        pa, pb = peer_of(a), peer_of(b)
        loop.wait_for(lambda: loop.peers_in_table() == {pa, pb})
    loop.wait_for(lambda: len([m for m in loop.messages() if " left after " in m]) == 2)
    received = {(e.peer, e.data) for e in loop.of_kind(Kind.RECEIVED)}
    assert received == {(pa, b"from a"), (pb, b"from b")}
    sent = {(e.peer, e.data) for e in loop.of_kind(Kind.SENT)}
    assert sent == received
    assert all(e.source is Source.TCP_SERVER for e in loop.events)
    assert all(e.local == f"127.0.0.1:{port}" for e in loop.of_kind(Kind.RECEIVED))
    loop.wait_for(lambda: loop.peers_in_table() == set())
    status = loop.status()
    assert status is not None and status.clients == 0


def test_fixed_reply_once_per_chunk_and_mode_changes_apply_at_once(loop: Harness) -> None:
    port = loop.listen()
    loop.server.set_reply(ReplyConfig(ReplyMode.FIXED, b"OK\n"))
    with client(port) as sock:
        sock.sendall(b"one")
        assert recv_exactly(sock, 3) == b"OK\n"
        sock.sendall(b"two")
        assert recv_exactly(sock, 3) == b"OK\n"
        loop.server.set_reply(ReplyConfig(ReplyMode.NONE))
        sock.sendall(b"three")
        loop.wait_for(lambda: b"three" in loop.received())
        loop.server.set_reply(ReplyConfig(ReplyMode.ECHO))
        sock.sendall(b"four")
        assert recv_exactly(sock, 4) == b"four"  # nothing came for "three"
    # The sent row is logged just after the kernel took the bytes: wait for the third.
    loop.wait_for(lambda: len(loop.of_kind(Kind.SENT)) == 3)
    assert [e.data for e in loop.of_kind(Kind.SENT)] == [b"OK\n", b"OK\n", b"four"]


def test_half_close_gets_the_queued_echo_then_the_server_closes(loop: Harness) -> None:
    port = loop.listen()
    payload = bytes(range(256)) * 16_384  # 4 MiB: more than the socket buffers hold
    with client(port) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        echoed = bytearray()
        while chunk := sock.recv(1 << 16):
            echoed += chunk
    assert bytes(echoed) == payload
    loop.wait_for(lambda: any(" left after " in m for m in loop.messages()))
    assert sum(e.size for e in loop.of_kind(Kind.SENT)) == len(payload)
    left = next(m for m in loop.messages() if " left after " in m)
    assert "queued bytes were not sent" not in left
    assert "in 4.2 MB, out 4.2 MB" in left


def test_send_to_selected_to_all_and_disconnect_selected(loop: Harness) -> None:
    port = loop.listen()
    loop.server.set_reply(ReplyConfig(ReplyMode.NONE))
    clients = [client(port) for _ in range(3)]
    try:
        peers = [peer_of(s) for s in clients]
        loop.wait_for(lambda: loop.peers_in_table() == set(peers))
        loop.reactor.call_soon(loop.server.send, [peers[1]], b"just you")
        assert recv_exactly(clients[1], 8) == b"just you"
        loop.reactor.call_soon(loop.server.send_all, b"everyone")
        for sock in clients:
            expected = b"everyone"
            assert recv_exactly(sock, len(expected)) == expected
        loop.reactor.call_soon(loop.server.disconnect, [peers[0], peers[2]])
        assert clients[0].recv(10) == b""
        assert clients[2].recv(10) == b""
        loop.wait_for(lambda: loop.peers_in_table() == {peers[1]})
        assert [e.peer for e in loop.of_kind(Kind.SENT)].count(peers[1]) == 2
        assert any(m.startswith(f"Disconnected {peers[0]}") for m in loop.messages(Kind.INFO))
    finally:
        for sock in clients:
            sock.close()


def test_max_clients_closes_new_connections_with_one_line(loop: Harness) -> None:
    port = loop.listen(max_clients=2)
    kept = [client(port), client(port)]
    refused = [client(port) for _ in range(10)]
    try:
        for sock in refused:
            assert sock.recv(10) == b""  # accepted and closed at once
        notices = [m for m in loop.messages(Kind.ERROR) if "at the limit of 2 clients" in m]
        assert len(notices) == 1, loop.messages()
        kept[0].sendall(b"still served")
        assert recv_exactly(kept[0], 12) == b"still served"
    finally:
        for sock in kept + refused:
            sock.close()


def test_stop_with_clients_connected_then_start_again_on_the_same_port(loop: Harness) -> None:
    port = loop.listen()
    clients = [client(port) for _ in range(5)]
    try:
        loop.wait_for(lambda: len(loop.peers_in_table()) == 5)
        loop.reactor.call_soon(loop.server.stop)
        for sock in clients:
            assert sock.recv(10) == b""
        loop.wait_for(lambda: loop.status() == TcpServerStatus(ServerState.STOPPED))
        assert "TCP server stopped; 5 clients disconnected" in loop.messages(Kind.INFO)
        assert loop.peers_in_table() == set()
        assert loop.listen(port=port) == port
        with client(port) as sock:
            sock.sendall(b"again")
            assert recv_exactly(sock, 5) == b"again"
    finally:
        for sock in clients:
            sock.close()


def test_ipv6_loopback(loop: Harness) -> None:
    port = loop.listen("::1")
    with client(port, "::1") as sock:
        sock.sendall(b"over v6")
        assert recv_exactly(sock, 7) == b"over v6"
        assert loop.of_kind(Kind.RECEIVED)[0].peer == peer_of(sock)
    assert loop.of_kind(Kind.RECEIVED)[0].peer.startswith("[::1]:")


def test_localhost_listens_on_both_loopbacks(loop: Harness) -> None:
    port = free_port()
    loop.listen("localhost", port)
    for host in ("127.0.0.1", "::1"):
        with client(port, host) as sock:
            sock.sendall(host.encode())
            assert recv_exactly(sock, len(host)) == host.encode()


def test_port_in_use_and_bad_address_are_one_line_each(loop: Harness) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        loop.reactor.call_soon(loop.server.start, "127.0.0.1", port, 10)
        loop.wait_for(lambda: loop.status() is not None)
    status = loop.status()
    assert status is not None and status.state is ServerState.STOPPED
    assert status.error == f"Port {port} is in use on 127.0.0.1: another program listens there"
    loop.reactor.call_soon(loop.server.start, "192.0.2.1", free_port(), 10)
    loop.wait_for(lambda: len(loop.messages(Kind.ERROR)) == 2)
    assert "192.0.2.1 is not an address of this machine" in loop.messages(Kind.ERROR)[1]
    assert not loop.server.running


def test_a_thousand_clients_each_get_their_echo(loop: Harness) -> None:
    port = loop.listen()
    echoed = connect_many(port, 1000, b"ping %d")
    assert echoed == 1000
    loop.wait_for(lambda: len(loop.of_kind(Kind.RECEIVED)) >= 1000)
    assert len({e.peer for e in loop.of_kind(Kind.RECEIVED)}) == 1000
    loop.wait_for(lambda: loop.status() is not None and loop.status().clients == 0)  # type: ignore[union-attr]


@pytest.mark.parametrize("tool", ["ncat", "socat"])
def test_ncat_and_socat_clients(loop: Harness, tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    port = loop.listen()
    argv = (
        ["ncat", "127.0.0.1", str(port)]
        if tool == "ncat"
        else ["socat", "-t", "5", "-", f"TCP:127.0.0.1:{port}"]
    )
    # Both half-close after stdin ends and print what came back until the server closes.
    done = subprocess.run(
        argv, input=b"hello from " + tool.encode(), capture_output=True, timeout=20
    )
    assert done.stdout == b"hello from " + tool.encode(), done.stderr
    loop.wait_for(lambda: any(" left after " in m for m in loop.messages()))


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for CPU time")
def test_out_of_descriptors_pauses_accepting_without_spinning_then_serves_again() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.net.tcp.emfile_server", "64"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert child.stdout is not None and child.stdin is not None
    lines: list[str] = []
    clients: list[socket.socket] = []
    try:
        while not (lines and lines[-1].startswith("PORT ")):
            line = child.stdout.readline()
            assert line, f"the server ended; it said {lines}"
            lines.append(line)
        port = int(lines[-1].split()[1])
        clients = [client(port) for _ in range(100)]  # the kernel queues what is not accepted
        while not any("Cannot accept" in line for line in lines):
            line = child.stdout.readline()
            assert line, f"the server ended; it said {lines[-5:]}"
            lines.append(line)
        notice = next(line for line in lines if "Cannot accept" in line)
        assert "Too many open files" in notice and "out of file descriptors" in notice
        # Out of descriptors with connections still waiting: a busy loop would burn a
        # whole core here; pausing costs next to nothing.
        cpu_before = _cpu_seconds(child.pid)
        started = time.monotonic()
        time.sleep(1.0)  # the measurement window itself, not a wait for a condition
        cpu = _cpu_seconds(child.pid) - cpu_before
        assert cpu < 0.25 * (time.monotonic() - started), f"{cpu:.2f} s of CPU in ~1 s"
        # Free descriptors: the first clients were accepted first; once they leave, the
        # waiting ones are accepted and served.
        for sock in clients[:60]:
            sock.close()
        for sock in clients[60:]:
            sock.sendall(b"ping")
        for sock in clients[60:]:
            assert recv_exactly(sock, 4) == b"ping"
    finally:
        for sock in clients:
            sock.close()
        rest, _ = child.communicate(timeout=10)  # closes its stdin: the child ends
        lines += rest.splitlines(keepends=True)
    notices = [line for line in lines if "Cannot accept" in line]
    assert 1 <= len(notices) <= 4, notices  # rate-limited, not one line per attempt


def test_reads_grow_while_a_client_pours(loop: Harness) -> None:
    from app.net.tcp.server_client import MAX_RECV_SIZE, RECV_SIZE

    port = loop.listen()
    loop.server.set_reply(ReplyConfig(ReplyMode.NONE))
    total = 32 * 1024 * 1024
    with client(port) as sock:
        sock.sendall(b"\0" * total)
        loop.wait_for(lambda: sum(e.size for e in loop.of_kind(Kind.RECEIVED)) == total)
        sizes = [e.size for e in loop.of_kind(Kind.RECEIVED)]
        assert RECV_SIZE < max(sizes) <= MAX_RECV_SIZE
        sock.sendall(b"small")
        loop.wait_for(lambda: loop.of_kind(Kind.RECEIVED)[-1].data == b"small")


def test_a_log_that_is_behind_pauses_a_pouring_client_by_flow_control() -> None:
    from app.net.tcp.server import BACKLOG_LIMIT

    behind = [BACKLOG_LIMIT + 1]
    harness = ReactorThread().start()
    server = TcpServer(harness.reactor, harness.sink, harness.on_state, backlog=lambda: behind[0])
    harness.closers.append(server.close)
    try:
        harness.reactor.call_soon(server.start, "127.0.0.1", 0, 10)
        harness.wait_for(lambda: bool(harness.states))
        status = harness.states[-1]
        assert isinstance(status, TcpServerStatus)
        server.set_reply(ReplyConfig(ReplyMode.NONE))
        port = int(status.bound.rpartition(":")[2])
        with client(port) as sock:
            sock.settimeout(0.5)
            sent = 0
            chunk = b"\0" * 65536
            with pytest.raises(TimeoutError):  # the kernel buffers fill, then send blocks
                while sent < 256 * 1024 * 1024:
                    sent += sock.send(chunk)
            assert harness.received() == b""  # nothing was read while the log was behind
            behind[0] = 0
            sock.settimeout(10)
            sock.sendall(b"end")
            harness.wait_for(lambda: len(harness.received()) == sent + 3)
    finally:
        harness.stop()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may bind low ports"
)
def test_permission_denied_is_one_line(loop: Harness) -> None:
    loop.reactor.call_soon(loop.server.start, "127.0.0.1", 1, 10)
    loop.wait_for(lambda: bool(loop.states))
    status = loop.status()
    assert status is not None and status.state is ServerState.STOPPED
    assert "permission denied" in status.error
    assert loop.messages(Kind.ERROR) == [status.error]


def test_sends_and_fixed_replies_render_macros_per_message(loop: Harness) -> None:
    port = loop.listen()
    loop.server.set_reply(ReplyConfig(ReplyMode.FIXED, compile_message("R{{counter:3}};", TEXT)))
    clients = [client(port) for _ in range(2)]
    try:
        peers = [peer_of(s) for s in clients]
        loop.wait_for(lambda: loop.peers_in_table() == set(peers))
        clients[0].sendall(b"ask")
        assert recv_exactly(clients[0], 5) == b"R001;"
        # Each client's copy is a message of its own: numbered one after the other.
        loop.reactor.call_soon(loop.server.send_all, compile_message("S{{counter}}.", TEXT))
        got = {recv_exactly(sock, 3) for sock in clients}
        assert got == {b"S2.", b"S3."}
        loop.reactor.call_soon(loop.server.send, [peers[1]], compile_message("{{xor8}}", TEXT))
        assert recv_exactly(clients[1], 1) == b"\x00"  # nothing before it: XOR of no bytes
        clients[1].sendall(b"ask")
        assert recv_exactly(clients[1], 5) == b"R005;"
        loop.wait_for(lambda: len(loop.of_kind(Kind.SENT)) == 5)
        sent = sorted(e.data for e in loop.of_kind(Kind.SENT))
        assert sent == sorted([b"R001;", b"S2.", b"S3.", b"\x00", b"R005;"])
        assert loop.server.counter.sent == 5
    finally:
        for sock in clients:
            sock.close()
