"""pcapng export of UDP Listener events: the remote peer is the source of what it sent."""

from __future__ import annotations

from pathlib import Path

from app.export import ExportFormat, export_events
from app.net.events import Kind, LogEvent, Source
from tests.export.pcapng_reader import decode, read_pcapng

T0 = 1_700_000_000.0
LISTENER = Source.UDP_LISTENER
V4 = "127.0.0.1:8000"


def ev(
    n: int,
    source: Source,
    kind: Kind,
    peer: str = "",
    data: bytes = b"",
    message: str = "",
    local: str = "",
) -> LogEvent:
    return LogEvent(T0 + n, source, kind, peer, data, message, len(data), "", local)


def test_listener_datagrams_come_from_the_peer_to_the_listening_port(tmp_path: Path) -> None:
    events = [
        ev(1, LISTENER, Kind.RECEIVED, "127.0.0.1:40001", b"Hello, server!", "", V4),
        ev(2, LISTENER, Kind.SENT, "127.0.0.1:40001", b"Hello, server!", "Echo", V4),
        ev(3, LISTENER, Kind.RECEIVED, "[::1]:40002", b"six", "", "[::1]:8000"),
        # The UDP Sender talking to the same peer is another conversation.
        ev(4, Source.UDP, Kind.SENT, "127.0.0.1:40001", b"sender"),
        ev(6, LISTENER, Kind.RECEIVED, "127.0.0.1:40001", b"again", "", "0.0.0.0:9000"),
    ]
    path = tmp_path / "listener.pcapng"
    export_events(str(path), events, ExportFormat.PCAPNG)
    _, packets = read_pcapng(path.read_bytes())
    got = [(d.src, d.sport, d.dst, d.dport, d.payload) for d in (decode(p) for p in packets)]
    received, echo, six, sender, again = got
    assert received == ("127.0.0.1", 40001, "127.0.0.1", 8000, b"Hello, server!")
    assert echo == ("127.0.0.1", 8000, "127.0.0.1", 40001, b"Hello, server!")
    assert six == ("::1", 40002, "::1", 8000, b"six")
    assert sender[2:] == ("127.0.0.1", 40001, b"sender") and sender[1] >= 49_152
    # Restarted on every interface: loopback stands in for the local address.
    assert again == ("127.0.0.1", 40001, "127.0.0.1", 9000, b"again")
