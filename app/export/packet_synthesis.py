"""TCP and UDP log events as synthetic IPv4/IPv6 packets, with flows Wireshark can follow.

The log knows the remote `host:port` of each event and, for TCP, often the local address
(`LogEvent.local`, set on the client's connected event). Everything else is made up
consistently:

- The local side is 127.0.0.1 or ::1 (the family of the peer) with a port 49152 + n per
  flow, unless the event that opens the connection carries its local address.
- A peer given by name ("example.com:80") gets a documentation address (192.0.2.x, then
  198.51.100.x and 203.0.113.x, then 2001:db8::x), the same one for every event of the
  export.
- Server-side flows (the TCP Server tab) have the client as the remote end and the
  listening address (`LogEvent.local`) as ours; their handshake starts at the client.
- Each TCP flow opens with a synthetic three-way handshake; sequence numbers advance by
  the true size of each event in its direction, and every segment carries ACK (and PSH)
  so "Follow TCP Stream" shows the conversation.
- Data larger than one IP packet holds is split into several packets. When the log kept
  only a prefix of the data (`len(data) < size`), the packets carry the bytes it has and
  the pcapng writer marks them as cut ("N of M bytes kept"); headers keep the true
  lengths, exactly as a capture with a short snap length would.
- Relay events (`Source.RELAY`) name their leg in `detail` (app/net/relay/legs.py): the
  client's leg (client <-> relay, accepted: the client sent the SYN) and the target's
  leg (relay <-> target) are flows of their own, TCP or UDP, keyed by the local end too
  since every connection of a relay has the same target.
- Only TCP and UDP sent/received events become packets; info, error and HTTP events have
  no packet and are left out.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from typing import NamedTuple

from app.net.events import Kind, LogEvent, Source
from app.net.relay.legs import parse_leg

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PROTO_TCP = 6
PROTO_UDP = 17
IPV4_HEADER = 20
IPV6_HEADER = 40
TCP_HEADER = 20
UDP_HEADER = 8
MAX_IP_PACKET = 65_535

TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x08, 0x10
FIRST_LOCAL_PORT = 49_152

LOCAL_V4 = ipaddress.IPv4Address("127.0.0.1")
LOCAL_V6 = ipaddress.IPv6Address("::1")
_DOC_NETS_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")


class Packet(NamedTuple):
    """One IP packet: `data` is what is captured, `length` the packet's true length."""

    time: float
    data: bytes
    length: int


def parse_peer(peer: str) -> tuple[str, int] | None:
    """(host, port) of "127.0.0.1:80", "[::1]:80", "[fe80::1%lo]:80" or "name:80"."""
    if peer.startswith("["):
        host, sep, port = peer[1:].partition("]:")
    else:
        host, sep, port = peer.rpartition(":")
    if (
        not sep
        or not host
        or not (port.isascii() and port.isdigit())
        or not 0 <= int(port) <= 65_535
    ):
        return None
    return host.partition("%")[0], int(port)


def internet_checksum(data: bytes) -> int:
    """RFC 1071 checksum of `data` (odd lengths padded with a zero byte).

    Summing 16-bit words with end-around carry is the big integer modulo 0xFFFF (2**16 is
    1 modulo 0xFFFF), which int.from_bytes computes in C at any length.
    """
    if len(data) % 2:
        data += b"\0"
    number = int.from_bytes(data, "big")
    total = number % 0xFFFF
    if total == 0 and number:
        total = 0xFFFF
    return ~total & 0xFFFF


class AddressBook:
    """IP addresses for peer hosts: literals as they are, names on documentation nets."""

    def __init__(self) -> None:
        self._names: dict[str, IPAddress] = {}
        self._names_v6: dict[str, IPAddress] = {}

    def address(self, host: str, version: int = 0) -> IPAddress:
        """`version` 6 asks for an IPv6 address for a name (its connection used IPv6)."""
        try:
            return ipaddress.ip_address(host)
        except ValueError:
            pass
        names = self._names_v6 if version == 6 else self._names
        known = names.get(host.lower())
        if known is None:
            if version == 6:
                known = ipaddress.IPv6Address(f"2001:db8::{len(names) + 1:x}")
            else:
                known = self._documentation_address(len(names))
            names[host.lower()] = known
        return known

    @staticmethod
    def _documentation_address(n: int) -> IPAddress:
        net, host = divmod(n, 254)
        if net < len(_DOC_NETS_V4):
            return ipaddress.IPv4Address(f"{_DOC_NETS_V4[net]}{host + 1}")
        return ipaddress.IPv6Address(f"2001:db8::{n + 1:x}")


@dataclass(slots=True)
class Flow:
    """One conversation: addresses, ports and, for TCP, the next sequence number each way."""

    protocol: int
    local: IPAddress
    local_port: int
    remote: IPAddress
    remote_port: int
    local_seq: int = 0
    remote_seq: int = 0
    opened: bool = False
    passive: bool = False  # we accepted it: the remote end sent the SYN

    def endpoints(self, outgoing: bool) -> tuple[IPAddress, int, IPAddress, int]:
        if outgoing:
            return self.local, self.local_port, self.remote, self.remote_port
        return self.remote, self.remote_port, self.local, self.local_port


def ip_header(src: IPAddress, dst: IPAddress, protocol: int, payload: int, ident: int) -> bytes:
    """IPv4 header with its checksum, or IPv6 fixed header, for `payload` bytes after it."""
    if src.version == 4:
        header = struct.pack(
            "!BBHHHBBH4s4s",
            0x45,
            0,
            IPV4_HEADER + payload,
            ident & 0xFFFF,
            0x4000,  # don't fragment
            64,
            protocol,
            0,
            src.packed,
            dst.packed,
        )
        checksum = internet_checksum(header)
        return header[:10] + struct.pack("!H", checksum) + header[12:]
    return struct.pack("!IHBB16s16s", 0x6000_0000, payload, protocol, 64, src.packed, dst.packed)


def pseudo_header(src: IPAddress, dst: IPAddress, protocol: int, length: int) -> bytes:
    if src.version == 4:
        return struct.pack("!4s4sBBH", src.packed, dst.packed, 0, protocol, length)
    return struct.pack("!16s16sIxxxB", src.packed, dst.packed, length, protocol)


class PacketSynthesizer:
    """Turns events, in order, into packets; keeps per-flow state between calls."""

    def __init__(self) -> None:
        self._addresses = AddressBook()
        # Keyed by source and local end too: the TCP Client and the TCP Server (or the UDP
        # Sender and the UDP Listener) talking to the same peer are two conversations, and
        # so are a listener's before and after a restart on another port.
        self._flows: dict[tuple[int, str, Source, str], Flow] = {}
        self._flow_count = 0
        self._ident = 0

    def packets(self, event: LogEvent) -> list[Packet]:
        source = event.source
        passive = source is Source.TCP_SERVER
        if source is Source.TCP or passive:
            protocol = PROTO_TCP
        elif source is Source.UDP or source is Source.UDP_LISTENER:
            protocol = PROTO_UDP
        elif source is Source.RELAY and (leg := parse_leg(event.detail)) is not None:
            protocol = PROTO_UDP if leg.udp else PROTO_TCP
            passive = leg.accepted
        else:
            return []
        kind = event.kind
        if kind is Kind.INFO and protocol == PROTO_TCP:
            self._note_connection(event, passive)
            return []
        if kind is not Kind.SENT and kind is not Kind.RECEIVED:
            return []
        flow = self._flow(protocol, event.peer, source, event.local, passive)
        if flow is None:
            return []
        outgoing = kind is Kind.SENT
        size = max(event.size, len(event.data))
        if protocol == PROTO_UDP:
            return self._udp(event.time, flow, outgoing, event.data, size)
        packets: list[Packet] = []
        if not flow.opened:
            flow.opened = True
            packets += self._handshake(event.time, flow)
        if size:
            packets += self._tcp_data(event.time, flow, outgoing, event.data, size)
        return packets

    # -- flows ------------------------------------------------------------------------

    def _note_connection(self, event: LogEvent, passive: bool) -> None:
        """A connected event (an info row with a local address) starts a new flow."""
        if not event.local or not event.peer:
            return
        remote = parse_peer(event.peer)
        if remote is None:
            return
        self._flows[_flow_key(PROTO_TCP, event.peer, event.source, event.local)] = self._new_flow(
            PROTO_TCP, remote, _local_end(event.local), passive
        )

    def _flow(
        self, protocol: int, peer: str, source: Source, local: str, passive: bool
    ) -> Flow | None:
        key = _flow_key(protocol, peer, source, local)
        flow = self._flows.get(key)
        if flow is None:
            remote = parse_peer(peer)
            if remote is None:
                return None
            flow = self._new_flow(protocol, remote, _local_end(local), passive)
            self._flows[key] = flow
        return flow

    def _new_flow(
        self,
        protocol: int,
        remote: tuple[str, int],
        local: tuple[str, int] | None,
        passive: bool = False,
    ) -> Flow:
        n = self._flow_count
        self._flow_count += 1
        told: IPAddress | None = None
        if local is not None:
            try:
                told = ipaddress.ip_address(local[0])
            except ValueError:
                told = None
        # A peer given by name gets an address of the family its connection really used.
        remote_ip = self._addresses.address(remote[0], told.version if told else 0)
        local_ip: IPAddress = LOCAL_V4 if remote_ip.version == 4 else LOCAL_V6
        local_port = FIRST_LOCAL_PORT + n % (65_536 - FIRST_LOCAL_PORT)
        if local is not None and told is not None and told.version == remote_ip.version:
            local_ip, local_port = told, local[1]
        # Distinct, reproducible initial sequence numbers per flow and direction.
        local_isn = (0x1000_0000 + n * 0x0101_0101) & 0xFFFF_FFFF
        remote_isn = (0x8000_0000 + n * 0x0101_0101) & 0xFFFF_FFFF
        return Flow(
            protocol,
            local_ip,
            local_port,
            remote_ip,
            remote[1],
            local_isn,
            remote_isn,
            False,
            passive,
        )

    # -- packets ----------------------------------------------------------------------

    def _next_ident(self) -> int:
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident

    def _max_payload(self, flow: Flow, l4_header: int) -> int:
        ip = IPV4_HEADER if flow.local.version == 4 else 0  # IPv6 counts only its payload
        return MAX_IP_PACKET - ip - l4_header

    def _ip_packet(
        self, time: float, flow: Flow, outgoing: bool, l4_header: bytes, kept: bytes, size: int
    ) -> Packet:
        src, _, dst, _ = flow.endpoints(outgoing)
        ip = ip_header(src, dst, flow.protocol, len(l4_header) + size, self._next_ident())
        data = ip + l4_header + kept
        return Packet(time, data, len(ip) + len(l4_header) + size)

    def _udp(self, time: float, flow: Flow, outgoing: bool, data: bytes, size: int) -> list[Packet]:
        src, sport, dst, dport = flow.endpoints(outgoing)
        step = self._max_payload(flow, UDP_HEADER)
        packets = []
        for offset in range(0, max(size, 1), step):
            length = min(step, size - offset)
            kept = data[offset : offset + length]
            header = struct.pack("!HHHH", sport, dport, UDP_HEADER + length, 0)
            checksum = 0
            if len(kept) == length:
                pseudo = pseudo_header(src, dst, PROTO_UDP, UDP_HEADER + length)
                # 0 means "no checksum"; a computed 0 is sent as its equivalent 0xFFFF.
                checksum = internet_checksum(pseudo + header + kept) or 0xFFFF
            header = header[:6] + struct.pack("!H", checksum)
            packets.append(self._ip_packet(time, flow, outgoing, header, kept, length))
        return packets

    def _tcp_segment(
        self, time: float, flow: Flow, outgoing: bool, flags: int, kept: bytes, length: int
    ) -> Packet:
        src, sport, dst, dport = flow.endpoints(outgoing)
        seq, ack = (
            (flow.local_seq, flow.remote_seq) if outgoing else (flow.remote_seq, flow.local_seq)
        )
        if not flags & TCP_ACK:
            ack = 0
        header = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65_535, 0, 0)
        checksum = 0
        if len(kept) == length:
            pseudo = pseudo_header(src, dst, PROTO_TCP, TCP_HEADER + length)
            checksum = internet_checksum(pseudo + header + kept)
        header = header[:16] + struct.pack("!H", checksum) + header[18:]
        advance = length + (1 if flags & (TCP_SYN | TCP_FIN) else 0)
        if outgoing:
            flow.local_seq = (flow.local_seq + advance) & 0xFFFF_FFFF
        else:
            flow.remote_seq = (flow.remote_seq + advance) & 0xFFFF_FFFF
        return self._ip_packet(time, flow, outgoing, header, kept, length)

    def _handshake(self, time: float, flow: Flow) -> list[Packet]:
        opener = not flow.passive  # True: we sent the SYN
        return [
            self._tcp_segment(time, flow, opener, TCP_SYN, b"", 0),
            self._tcp_segment(time, flow, not opener, TCP_SYN | TCP_ACK, b"", 0),
            self._tcp_segment(time, flow, opener, TCP_ACK, b"", 0),
        ]

    def _tcp_data(
        self, time: float, flow: Flow, outgoing: bool, data: bytes, size: int
    ) -> list[Packet]:
        step = self._max_payload(flow, TCP_HEADER)
        packets = []
        for offset in range(0, size, step):
            length = min(step, size - offset)
            kept = data[offset : offset + length]
            packets.append(self._tcp_segment(time, flow, outgoing, TCP_PSH | TCP_ACK, kept, length))
        return packets


def _flow_key(protocol: int, peer: str, source: Source, local: str) -> tuple[int, str, Source, str]:
    # A TCP flow starts at its connected event, which names its local end; a UDP flow,
    # and each leg of a relay, is known by its local end too.
    by_local = protocol == PROTO_UDP or source is Source.RELAY
    return (protocol, peer, source, local if by_local else "")


def _local_end(local: str) -> tuple[str, int] | None:
    """Our end of a flow from an event's `local`; a wildcard bind shows as loopback."""
    if not local:
        return None
    end = parse_peer(local)
    if end is None:
        return None
    host, port = end
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return end
    if address.is_unspecified:  # bound to every interface: loopback stands in
        return (str(LOCAL_V4 if address.version == 4 else LOCAL_V6), port)
    return end
