"""pcapng of a relay: both legs as flows, client <-> relay and relay <-> target."""

from __future__ import annotations

import socket
from pathlib import Path

from app.export import ExportFormat, export_events
from app.export.packet_synthesis import TCP_ACK, TCP_PSH, TCP_SYN
from app.net.events import Kind
from app.net.relay.status import RelayProtocol
from tests.export.pcapng_reader import decode, read_pcapng
from tests.net.relay.relay_harness import RelayThread
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer
from tests.udp_peers import UdpReceiver


def ends_of(path: Path) -> list[tuple[tuple[str, int], tuple[str, int], int, bytes]]:
    _, captured = read_pcapng(path.read_bytes())
    packets = [decode(p) for p in captured]
    assert all(p.checksum_ok for p in packets)
    return [((p.src, p.sport), (p.dst, p.dport), p.flags, p.payload) for p in packets]


def test_a_tcp_relay_exports_two_flows(tmp_path: Path) -> None:
    relay = RelayThread().start()
    try:
        with EchoServer() as echo:
            port = relay.begin(echo.port)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                client = sock.getsockname()[:2]
                sock.sendall(b"ping")
                assert recv_exactly(sock, 4) == b"ping"
                relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 2)
            target_leg = next(
                e.local for e in relay.events_of(Kind.SENT) if e.peer.endswith(f":{echo.port}")
            )
    finally:
        relay.stop()
    path = tmp_path / "relay.pcapng"
    export_events(str(path), relay.events, ExportFormat.PCAPNG)
    rows = ends_of(path)
    listen = ("127.0.0.1", port)
    ours = ("127.0.0.1", int(target_leg.rpartition(":")[2]))
    target = ("127.0.0.1", echo.port)
    syn, syn_ack = TCP_SYN, TCP_SYN | TCP_ACK
    # Each leg's handshake comes just before its first bytes.
    assert [(src, dst, flags, payload) for src, dst, flags, payload in rows] == [
        (client, listen, syn, b""),  # the client's leg: the client opened it
        (listen, client, syn_ack, b""),
        (client, listen, TCP_ACK, b""),
        (client, listen, TCP_PSH | TCP_ACK, b"ping"),
        (ours, target, syn, b""),  # the target's leg: the relay opened it
        (target, ours, syn_ack, b""),
        (ours, target, TCP_ACK, b""),
        (ours, target, TCP_PSH | TCP_ACK, b"ping"),
        (target, ours, TCP_PSH | TCP_ACK, b"ping"),
        (listen, client, TCP_PSH | TCP_ACK, b"ping"),
    ]


def test_a_udp_relay_exports_both_legs_as_udp(tmp_path: Path) -> None:
    relay = RelayThread().start()
    try:
        with UdpReceiver(echo=True) as echo:
            port = relay.begin(echo.port, RelayProtocol.UDP)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(10)
                sock.bind(("127.0.0.1", 0))
                sock.sendto(b"dgram", ("127.0.0.1", port))
                assert sock.recvfrom(100)[0] == b"dgram"
                client = sock.getsockname()[:2]
                relay.wait_for(lambda: len(relay.events_of(Kind.SENT)) == 2)
    finally:
        relay.stop()
    path = tmp_path / "relay-udp.pcapng"
    export_events(str(path), relay.events, ExportFormat.PCAPNG)
    rows = ends_of(path)
    listen, target = ("127.0.0.1", port), ("127.0.0.1", echo.port)
    assert rows[0][:2] == (client, listen)
    assert [(dst == target or src == target) for src, dst, _, _ in rows] == [
        False,
        True,
        True,
        False,
    ]
    assert {payload for *_, payload in rows} == {b"dgram"}
