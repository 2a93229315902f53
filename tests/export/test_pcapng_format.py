"""pcapng export parsed back: blocks, IP/TCP/UDP headers, payloads, sequence numbers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.export import ExportFormat, export_events
from app.export.packet_synthesis import (
    TCP_ACK,
    TCP_PSH,
    TCP_SYN,
    PacketSynthesizer,
    internet_checksum,
    parse_peer,
)
from app.net.events import Kind, LogEvent, Source
from tests.export.pcapng_reader import checksum, decode, read_pcapng
from tests.export.sample_events import AWKWARD, BIG, T0, sample_events


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    path = tmp_path / "log.pcapng"
    export_events(str(path), sample_events(), ExportFormat.PCAPNG)
    return path


def test_checksum_matches_the_obvious_one() -> None:
    for data in (b"", b"\x00", b"\xff\xff", b"\x00\x01\xf2\x03\xf4\xf5\xf6\xf7", BIG, BIG[:-1]):
        assert internet_checksum(data) == checksum(data)


def test_peer_forms() -> None:
    assert parse_peer("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert parse_peer("[::1]:80") == ("::1", 80)
    assert parse_peer("[fe80::1%lo]:9") == ("fe80::1", 9)
    assert parse_peer("example.com:53") == ("example.com", 53)
    # "¹" and "٣" pass str.isdigit() but not int(): found by the formatter fuzz test.
    for bad in ("", "host", "1.2.3.4:", "1.2.3.4:x", "[::1]", "h:70000", "h:¹", "h:٣"):
        assert parse_peer(bad) is None


def test_blocks_and_packets(exported: Path) -> None:
    blocks, packets = read_pcapng(exported.read_bytes())
    assert [b.type for b in blocks[:2]] == [0x0A0D0D0A, 1]
    decoded = [decode(p) for p in packets]

    tcp = [d for d in decoded if d.protocol == 6]
    # Handshake first: SYN, SYN-ACK, ACK between the addresses the log named.
    assert [d.flags for d in tcp[:3]] == [TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK]
    assert (tcp[0].src, tcp[0].sport, tcp[0].dst, tcp[0].dport) == (
        "127.0.0.1",
        50312,
        "127.0.0.1",
        8000,
    )
    data = tcp[3:]
    assert all(d.flags == TCP_PSH | TCP_ACK for d in data)
    assert data[0].payload == b"Hello, server!" and data[0].sport == 50312
    assert data[1].payload == b"Hello, client!\r\n" and data[1].sport == 8000
    assert data[2].payload == AWKWARD

    # The 102,400-byte event is split into two packets that together hold it all.
    big = data[3:5]
    assert b"".join(d.payload for d in big) == BIG
    assert all(d.ip_length <= 65_535 for d in big)

    # Sequence numbers advance by payload length in each direction; ACKs follow.
    sent_seq = tcp[0].seq + 1
    recv_seq = tcp[1].seq + 1
    for d in data:
        outgoing = d.sport == 50312
        expected_seq, expected_ack = (sent_seq, recv_seq) if outgoing else (recv_seq, sent_seq)
        assert (d.seq, d.ack) == (expected_seq, expected_ack)
        length = d.ip_length - 40
        if outgoing:
            sent_seq += length
        else:
            recv_seq += length
    # Checksums are right wherever the whole packet is there.
    assert all(d.checksum_ok for d in tcp if d.checksum_ok is not None)
    assert sum(d.checksum_ok is True for d in tcp) == len(tcp) - 2


def test_cut_data_is_captured_short_with_a_comment(exported: Path) -> None:
    _, packets = read_pcapng(exported.read_bytes())
    cut = [p for p in packets if len(p.data) < p.original_length]
    # 70,000 true bytes need two packets: the first holds the 4,096 kept bytes.
    assert len(cut) == 2
    assert [p.comments for p in cut] == [["4096 of 70000 bytes kept"]] * 2
    first, second = (decode(p) for p in cut)
    assert first.payload == BIG[:4096] and second.payload == b""
    assert first.ip_length - 40 + second.ip_length - 40 == 70_000
    assert all(not p.comments for p in packets if len(p.data) == p.original_length)


def test_udp_ipv6_names_and_timestamps(exported: Path) -> None:
    _, packets = read_pcapng(exported.read_bytes())
    udp = [(p, decode(p)) for p in packets if decode(p).protocol == 17]
    assert len(udp) == 4
    (p1, sent), (_, received), (_, named), (_, empty) = udp
    assert (sent.version, sent.src, sent.dst, sent.dport, sent.payload) == (
        6,
        "::1",
        "::1",
        5353,
        b"=1+1",
    )
    assert (received.sport, received.dport, received.payload) == (5353, sent.sport, b"-answer")
    assert sent.sport >= 49152 and sent.checksum_ok and received.checksum_ok
    assert sent.l4_length == 8 + 4
    # A host name maps to a documentation address, the same for every packet.
    assert (named.version, named.dst, named.dport) == (4, "192.0.2.1", 53)
    assert named.payload == b"\x00\x01query" and named.checksum_ok
    # A 0-byte datagram is still a packet; the IPv6 scope is dropped.
    assert (empty.dst, empty.payload, empty.l4_length) == ("fe80::1", b"", 8)
    assert p1.timestamp_us == round((T0 + 0.007) * 1_000_000)


def test_http_info_and_error_events_are_skipped(exported: Path) -> None:
    _, packets = read_pcapng(exported.read_bytes())
    # 3 handshake + 5 segments for 4 whole TCP data events (one split in two), 2 for the
    # cut one, 4 UDP; none for HTTP, info or error rows.
    assert len(packets) == 3 + 5 + 2 + 4


def test_reconnect_starts_a_new_flow() -> None:
    synth = PacketSynthesizer()
    peer = "localhost:7"

    def event(kind: Kind, data: bytes = b"", local: str = "") -> LogEvent:
        return LogEvent(T0, Source.TCP, kind, peer, data, "", len(data), "", local)

    first = synth.packets(event(Kind.SENT, b"a"))
    again = synth.packets(event(Kind.SENT, b"b"))
    # The connected event: the local address is data; the sentence is not read at all.
    synth.packets(event(Kind.INFO, local="[::1]:41000"))
    third = synth.packets(event(Kind.SENT, b"c", local="[::1]:41000"))
    assert len(first) == 4 and len(again) == 1 and len(third) == 4
    a, c = decode_raw(first[0].data), decode_raw(third[0].data)
    assert a.dst == "192.0.2.1" and a.sport >= 49152  # a name without a connected event
    # The name's connection used IPv6: an IPv6 documentation address, the real local port.
    assert (c.version, c.src, c.sport, c.dst, c.dport) == (6, "::1", 41000, "2001:db8::1", 7)


def test_literal_peer_uses_the_local_address_of_its_connected_event() -> None:
    synth = PacketSynthesizer()
    peer = "127.0.0.1:8000"
    connected = LogEvent(T0, Source.TCP, Kind.INFO, peer, b"", "", 0, "", "127.0.0.1:50312")
    assert synth.packets(connected) == []
    sent = LogEvent(T0, Source.TCP, Kind.SENT, peer, b"hi", "", 2, "", "127.0.0.1:50312")
    *_, data = synth.packets(sent)
    s = decode_raw(data.data)
    assert (s.src, s.sport, s.dst, s.dport) == ("127.0.0.1", 50312, "127.0.0.1", 8000)
    # A sentence that names another port is not parsed: only the field counts.
    other = PacketSynthesizer()
    worded = connected._replace(message="Connected to 127.0.0.1:8000 from 127.0.0.1:1", local="")
    other.packets(worded)
    assert decode_raw(other.packets(sent._replace(local=""))[0].data).sport == 49152
    # A flow first seen on a data event (its connected row trimmed away) still has it.
    late = PacketSynthesizer()
    assert decode_raw(late.packets(sent)[0].data).sport == 50312


def decode_raw(data: bytes):  # type: ignore[no-untyped-def]
    from tests.export.pcapng_reader import CapturedPacket

    return decode(CapturedPacket(0, data, len(data)))


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_it(exported: Path) -> None:
    result = subprocess.run(
        ["tshark", "-r", str(exported), "-T", "fields", "-e", "frame.protocols"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    protocols = result.stdout.split()
    assert len(protocols) == 14
    assert all("ip" in p and ("tcp" in p or "udp" in p) for p in protocols)
