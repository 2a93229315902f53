"""What a UDP run is asked to do and reports back, the limits of a datagram, its socket."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import cast

from app.net.errors import describe
from app.net.resolver import AddrInfo

# The largest payload one datagram carries: the 16-bit length fields less the headers.
# IPv4: total length 65,535 minus the 20-byte IP header and the 8-byte UDP header.
IPV4_MAX_PAYLOAD = 65_535 - 20 - 8
# IPv6: the payload length field excludes the IPv6 header; only the UDP header counts
# (jumbograms aside, which no ordinary path carries). Seen on ::1: 65,527 goes, 65,528
# fails with EMSGSIZE.
IPV6_MAX_PAYLOAD = 65_535 - 8


RCVBUF_WANTED = 4 * 1024 * 1024


def max_payload(family: int) -> int:
    return IPV6_MAX_PAYLOAD if family == socket.AF_INET6 else IPV4_MAX_PAYLOAD


def family_name(family: int) -> str:
    return "IPv6" if family == socket.AF_INET6 else "IPv4"


def looks_like_broadcast(host: str) -> bool:
    """255.255.255.255 or an IPv4 address ending in .255 (the top of a /24 or wider subnet).

    A heuristic: without the interface netmasks an address such as 10.0.1.255 inside a
    /16 is a plain host. Asking before sending to it costs a tick in a box; silently
    flooding a whole subnet would cost more.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and address.packed[3] == 255


def check_datagram(family: int, ip: str, size: int, allow_broadcast: bool) -> str:
    """Why `size` bytes cannot go to `ip` as one datagram, or "" when they can."""
    limit = max_payload(family)
    if size > limit:
        return (
            f"Payload of {size:,} bytes is too large for one UDP datagram over "
            f"{family_name(family)} (max {limit:,} bytes); nothing sent"
        )
    if family == socket.AF_INET and looks_like_broadcast(ip) and not allow_broadcast:
        return (
            f"{ip} looks like a broadcast address: tick “Allow broadcast” to send to it; "
            "nothing sent"
        )
    return ""


def open_bound_socket(family: int, local_port: int, host: str = "") -> socket.socket | str:
    """A non-blocking UDP socket bound to `local_port` on `host` (all addresses), or why not."""
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as exc:
        return f"Cannot open a UDP socket: {describe(exc)}"
    sock.setblocking(False)
    try:
        # Room for a burst of replies while the loop waits for the GIL (the GUI thread
        # takes in a batch, the collector runs): the default 208 KiB holds ~2 ms of a
        # 100,000/s flood of small datagrams. The kernel caps it at net.core.rmem_max.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_WANTED)
    except OSError:
        pass
    try:
        # Bound explicitly, even to port 0, so the status can name the port replies go to.
        sock.bind((host or ("::" if family == socket.AF_INET6 else "0.0.0.0"), local_port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            return f"Local port {local_port} is in use; choose another, or 0 for any"
        if exc.errno == errno.EACCES:
            return (
                f"Permission denied binding local port {local_port} "
                "(ports below 1024 need privileges)"
            )
        return f"{describe(exc)}: cannot bind local port {local_port}"
    return sock


def numeric_address(host: str, port: int) -> list[AddrInfo] | None:
    """The address of an IP literal without a resolver thread (no DNS is involved)."""
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return None
    return cast(list[AddrInfo], infos)
