"""pcapng export that Wireshark opens: one raw-IP interface, one packet block per packet.

Layout (all little-endian): a Section Header Block, one Interface Description Block with
LINKTYPE_RAW (each packet starts with its IPv4 or IPv6 header) and microsecond
timestamps, then an Enhanced Packet Block per packet from packet_synthesis. A packet
whose data the log cut short is captured short (captured length < packet length) and
carries the comment "N of M bytes kept". Events without a packet are left out.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from app.export.packet_synthesis import Packet, PacketSynthesizer
from app.net.events import LogEvent

BLOCK_SHB = 0x0A0D0D0A
BLOCK_IDB = 0x00000001
BLOCK_EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
LINKTYPE_RAW = 101

OPT_END = 0
OPT_COMMENT = 1
OPT_SHB_USERAPPL = 4
OPT_IF_NAME = 2
OPT_IF_DESCRIPTION = 3
OPT_IF_TSRESOL = 9

_EPB_HEAD = struct.Struct("<IIIIIII")  # type, length, interface, ts high, ts low, cap, orig
_PADDING = (b"", b"\0\0\0", b"\0\0", b"\0")


def _padded(data: bytes) -> bytes:
    return data + _PADDING[len(data) % 4]


def _options(options: Sequence[tuple[int, bytes]]) -> bytes:
    if not options:
        return b""
    parts = [struct.pack("<HH", code, len(value)) + _padded(value) for code, value in options]
    parts.append(struct.pack("<HH", OPT_END, 0))
    return b"".join(parts)


def _block(block_type: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def section_header(application: str) -> bytes:
    body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)  # -1: section length unknown
    return _block(BLOCK_SHB, body + _options([(OPT_SHB_USERAPPL, application.encode())]))


def interface_description(name: str, description: str) -> bytes:
    body = struct.pack("<HHI", LINKTYPE_RAW, 0, 0)  # snap length 0: no limit
    options = [
        (OPT_IF_NAME, name.encode()),
        (OPT_IF_DESCRIPTION, description.encode()),
        (OPT_IF_TSRESOL, b"\x06"),  # 10^-6 s, the default, said explicitly
    ]
    return _block(BLOCK_IDB, body + _options(options))


def enhanced_packet(packet: Packet, comment: str = "") -> bytes:
    micros = round(packet.time * 1_000_000)
    data = packet.data
    options = _options([(OPT_COMMENT, comment.encode())]) if comment else b""
    body = _padded(data) + options
    length = _EPB_HEAD.size + len(body) + 4
    head = _EPB_HEAD.pack(
        BLOCK_EPB,
        length,
        0,
        (micros >> 32) & 0xFFFF_FFFF,
        micros & 0xFFFF_FFFF,
        len(data),
        packet.length,
    )
    return head + body + struct.pack("<I", length)


class PcapngEncoder:
    """Events to pcapng blocks; flows and sequence numbers carry across encode() calls."""

    def __init__(self, application: str = "Socket Tester") -> None:
        self._application = application
        self._synthesizer = PacketSynthesizer()
        self.packet_count = 0

    def header(self) -> bytes:
        return section_header(self._application) + interface_description(
            "socket-tester", "Synthetic raw-IP link: TCP and UDP events of the Socket Tester log"
        )

    def encode(self, events: Sequence[LogEvent]) -> bytes:
        packets = self._synthesizer.packets
        blocks = []
        for event in events:
            kept = len(event.data)
            comment = f"{kept} of {event.size} bytes kept" if kept < event.size else ""
            for packet in packets(event):
                cut = len(packet.data) < packet.length
                blocks.append(enhanced_packet(packet, comment if cut else ""))
        self.packet_count += len(blocks)
        return b"".join(blocks)
