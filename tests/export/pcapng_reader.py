"""A small, strict pcapng + IP/TCP/UDP reader for the tests (independent of the writer)."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field


@dataclass
class Block:
    type: int
    body: bytes


@dataclass
class CapturedPacket:
    timestamp_us: int
    data: bytes
    original_length: int
    comments: list[str] = field(default_factory=list)


@dataclass
class Decoded:
    version: int
    src: str
    dst: str
    protocol: int
    sport: int
    dport: int
    payload: bytes
    ip_length: int  # IPv4 total length, or 40 + IPv6 payload length
    seq: int = 0
    ack: int = 0
    flags: int = 0
    l4_length: int = 0  # UDP length field
    checksum_ok: bool | None = None  # None: not checkable (cut short or UDP checksum 0)


def read_blocks(data: bytes) -> list[Block]:
    blocks = []
    offset = 0
    while offset < len(data):
        block_type, length = struct.unpack_from("<II", data, offset)
        assert length % 4 == 0 and length >= 12, (hex(block_type), length)
        (trailer,) = struct.unpack_from("<I", data, offset + length - 4)
        assert trailer == length, "trailing block length differs"
        blocks.append(Block(block_type, data[offset + 8 : offset + length - 4]))
        offset += length
    assert offset == len(data)
    return blocks


def read_options(data: bytes) -> list[tuple[int, bytes]]:
    options = []
    offset = 0
    while offset < len(data):
        code, length = struct.unpack_from("<HH", data, offset)
        offset += 4
        if code == 0:
            assert length == 0
            break
        options.append((code, data[offset : offset + length]))
        offset += (length + 3) // 4 * 4
    return options


def read_pcapng(data: bytes) -> tuple[list[Block], list[CapturedPacket]]:
    blocks = read_blocks(data)
    assert blocks[0].type == 0x0A0D0D0A
    magic, major, minor = struct.unpack_from("<IHH", blocks[0].body)
    assert (magic, major, minor) == (0x1A2B3C4D, 1, 0)
    assert blocks[1].type == 1
    linktype, _reserved, _snap = struct.unpack_from("<HHI", blocks[1].body)
    assert linktype == 101
    packets = []
    for block in blocks[2:]:
        assert block.type == 6
        interface, high, low, cap, orig = struct.unpack_from("<IIIII", block.body)
        assert interface == 0 and cap <= orig
        start = 20
        packet = block.body[start : start + cap]
        options = read_options(block.body[start + (cap + 3) // 4 * 4 :])
        comments = [value.decode() for code, value in options if code == 1]
        packets.append(CapturedPacket((high << 32) | low, packet, orig, comments))
    return blocks, packets


def checksum(data: bytes) -> int:
    """RFC 1071 the slow, obvious way."""
    if len(data) % 2:
        data += b"\0"
    total = 0
    for i in range(0, len(data), 2):
        total += (data[i] << 8) | data[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def decode(packet: CapturedPacket) -> Decoded:
    data = packet.data
    version = data[0] >> 4
    if version == 4:
        ihl = (data[0] & 0x0F) * 4
        assert ihl == 20
        total, protocol = struct.unpack_from("!H", data, 2)[0], data[9]
        assert checksum(data[:20]) == 0, "bad IPv4 header checksum"
        src, dst = data[12:16], data[16:20]
        ip_length = total
        pseudo = src + dst + struct.pack("!BBH", 0, protocol, total - 20)
        l4 = data[20:]
    else:
        assert version == 6
        payload_length, protocol = struct.unpack_from("!HB", data, 4)
        src, dst = data[8:24], data[24:40]
        ip_length = 40 + payload_length
        pseudo = src + dst + struct.pack("!IxxxB", payload_length, protocol)
        l4 = data[40:]
    assert ip_length == packet.original_length
    complete = len(data) == packet.original_length
    decoded = Decoded(
        version,
        str(ipaddress.ip_address(src)),
        str(ipaddress.ip_address(dst)),
        protocol,
        *struct.unpack_from("!HH", l4),
        b"",
        ip_length,
    )
    if protocol == 6:
        seq, ack, offset_byte, flags = struct.unpack_from("!IIBB", l4, 4)
        header = (offset_byte >> 4) * 4
        decoded.seq, decoded.ack, decoded.flags = seq, ack, flags
        decoded.payload = l4[header:]
        if complete:
            decoded.checksum_ok = checksum(pseudo + l4) == 0
    else:
        assert protocol == 17
        decoded.l4_length, udp_checksum = struct.unpack_from("!HH", l4, 4)
        assert decoded.l4_length == ip_length - (20 if version == 4 else 40)
        decoded.payload = l4[8:]
        if complete and udp_checksum:
            decoded.checksum_ok = checksum(pseudo + l4) == 0
    return decoded
