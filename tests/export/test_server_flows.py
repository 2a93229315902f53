"""pcapng of the TCP server's flows: the client is the remote end and opens the handshake."""

from __future__ import annotations

import socket
from pathlib import Path

from app.export import ExportFormat, export_events
from app.export.packet_synthesis import TCP_ACK, TCP_SYN, PacketSynthesizer
from app.net.events import Kind, LogEvent, Source
from app.net.tcp.server import TcpServer
from app.net.tcp.server_status import TcpServerStatus
from tests.export.pcapng_reader import CapturedPacket, decode, read_pcapng
from tests.net.reactor_harness import ReactorThread
from tests.net.tcp.server_clients import recv_exactly


def served_events() -> tuple[list[LogEvent], tuple[str, int], int]:
    """A real echo exchange with the server: its events, the client's address, our port."""
    loop = ReactorThread().start()
    server = TcpServer(loop.reactor, loop.sink, loop.on_state)
    loop.closers.append(server.close)
    try:
        loop.reactor.call_soon(server.start, "127.0.0.1", 0, 10)
        loop.wait_for(lambda: bool(loop.states))
        status = loop.states[-1]
        assert isinstance(status, TcpServerStatus)
        port = int(status.bound.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            client = sock.getsockname()
            sock.sendall(b"Hello, server!")
            assert recv_exactly(sock, 14) == b"Hello, server!"
        loop.wait_for(lambda: any(" left after " in e.message for e in loop.events))
    finally:
        loop.stop()
    return list(loop.events), client, port


def test_server_flow_directions_and_handshake(tmp_path: Path) -> None:
    events, (client_host, client_port), port = served_events()
    assert {e.source for e in events} == {Source.TCP_SERVER}
    path = tmp_path / "server.pcapng"
    export_events(str(path), events, ExportFormat.PCAPNG)
    _, captured = read_pcapng(path.read_bytes())
    packets = [decode(p) for p in captured]
    client_end = (client_host, client_port)
    server_end = ("127.0.0.1", port)
    ends = [((p.src, p.sport), (p.dst, p.dport)) for p in packets]
    # SYN from the client, SYN-ACK from us, ACK, the client's data, our echo.
    assert ends == [
        (client_end, server_end),
        (server_end, client_end),
        (client_end, server_end),
        (client_end, server_end),
        (server_end, client_end),
    ]
    syn, syn_ack, ack, request, echo = packets
    assert syn.flags == TCP_SYN and syn_ack.flags == TCP_SYN | TCP_ACK and ack.flags == TCP_ACK
    assert request.payload == echo.payload == b"Hello, server!"
    assert request.seq == (syn.seq + 1) & 0xFFFF_FFFF
    assert echo.seq == (syn_ack.seq + 1) & 0xFFFF_FFFF
    assert echo.ack == (request.seq + 14) & 0xFFFF_FFFF
    assert all(p.checksum_ok for p in packets)


def test_a_client_flow_and_a_server_flow_with_the_same_peer_stay_apart() -> None:
    peer = "127.0.0.1:8000"
    synth = PacketSynthesizer()

    def first_packet(source: Source, local: str) -> CapturedPacket:
        event = LogEvent(0.0, source, Kind.SENT, peer, b"x", "", 1, "", local)
        packet = synth.packets(event)[0]
        return CapturedPacket(0, packet.data, packet.length)

    ours = decode(first_packet(Source.TCP, "127.0.0.1:50000"))  # we connected: our SYN
    theirs = decode(first_packet(Source.TCP_SERVER, "127.0.0.1:9000"))  # they connected
    assert (ours.src, ours.sport) == ("127.0.0.1", 50000)
    assert (theirs.src, theirs.sport, theirs.dport) == ("127.0.0.1", 8000, 9000)
