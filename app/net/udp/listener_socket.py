"""The UDP Listener's sockets: bind with one clear reason on failure, join and leave a group."""

from __future__ import annotations

import errno
import ipaddress
import socket
import struct

from app.net.address import format_peer
from app.net.errors import describe
from app.net.udp.datagram import RCVBUF_WANTED

WILDCARDS = ("0.0.0.0", "::")


class BindFailed(Exception):
    """The text is the one log line that says why."""


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IP literal a listener binds to (brackets and an IPv6 scope allowed)."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        raise BindFailed(
            f"Bad bind address {host!r}: enter an IP address of this machine "
            "(127.0.0.1, ::1, 0.0.0.0, ::) or localhost"
        ) from None


def open_listening_socket(host: str, port: int) -> socket.socket:
    """A non-blocking UDP socket bound to host:port (`::` also takes IPv4 where allowed)."""
    ip = parse_ip(host)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    host = host.strip().strip("[]")
    try:
        address = socket.getaddrinfo(
            host, port, family, socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST
        )[0][4]
    except (OSError, UnicodeError) as exc:
        raise BindFailed(f"Bad bind address {host!r}: {describe(exc)}") from None
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as exc:
        raise BindFailed(f"Cannot open an {_family(family)} UDP socket: {describe(exc)}") from None
    sock.setblocking(False)
    try:
        # A flood arrives while the loop waits for the GIL; see datagram.RCVBUF_WANTED.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_WANTED)
    except OSError:
        pass
    if host == "::":
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        except (OSError, AttributeError):
            pass  # IPv6 only: the status names the one address bound
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise BindFailed(bind_failure(exc, host, port)) from None
    return sock


def bind_failure(exc: OSError, host: str, port: int) -> str:
    where = format_peer(host, port)
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is in use on {host} (another program listens on {where})"
    if exc.errno == errno.EACCES:
        return f"Permission denied listening on {where} (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: cannot listen on {where}"
    return f"Cannot listen on {where}: {describe(exc)}"


def check_group(text: str) -> str:
    """The group as an address, "" for none; BindFailed when it is not a multicast group."""
    group = text.strip().strip("[]")
    if not group:
        return ""
    try:
        address = ipaddress.ip_address(group.split("%")[0])
    except ValueError:
        address = None
    if address is None or not address.is_multicast:
        raise BindFailed(
            f"{text.strip()!r} is not a multicast group "
            "(IPv4 224.0.0.0 to 239.255.255.255 or IPv6 ff00::/8)"
        )
    return group


def group_family(group: str) -> int:
    return socket.AF_INET6 if ":" in group else socket.AF_INET


def open_group_socket(group: str, port: int, bind_host: str) -> socket.socket:
    """A socket bound to the group itself, next to one bound to a unicast address.

    A socket bound to 127.0.0.1 never sees datagrams sent to a group (the kernel delivers
    them by destination address), and widening the bind to every interface would expose
    the listener; bound to the group, it hears that group's datagrams and nothing else.
    """
    family = group_family(group)
    scope = interface_index(bind_host) if family == socket.AF_INET6 else 0
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_WANTED)
        address: tuple[object, ...] = (
            (group, port)
            if family == socket.AF_INET
            else (
                group.split("%")[0],
                port,
                0,
                scope,
            )
        )
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise BindFailed(
            f"Cannot listen on multicast group {format_peer(group, port)}: {describe(exc)}"
        ) from None
    return sock


def join_group(sock: socket.socket, group: str, bind_host: str) -> bytes:
    """Join `group` on the interface of `bind_host`; returns what `leave_group` needs."""
    try:
        if group_family(group) == socket.AF_INET:
            interface = "0.0.0.0" if bind_host in WILDCARDS else bind_host
            request = socket.inet_aton(group) + socket.inet_aton(interface)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request)
        else:
            index = interface_index(bind_host)
            request = socket.inet_pton(socket.AF_INET6, group.split("%")[0])
            request += struct.pack("@I", index)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, request)
    except OSError as exc:
        raise BindFailed(
            f"Joining multicast group {group} on {bind_host} was refused: {describe(exc)}"
        ) from None
    return request


def leave_group(sock: socket.socket, group: str, request: bytes) -> None:
    try:
        if group_family(group) == socket.AF_INET:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, request)
        else:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, request)
    except OSError:
        pass  # closing the socket leaves the group as well


def interface_index(host: str) -> int:
    """The index of the interface that owns an IPv6 address (0: let the kernel choose)."""
    address, _, scope = host.partition("%")
    if scope:
        return int(scope) if scope.isdigit() else socket.if_nametoindex(scope)
    if address in WILDCARDS:
        return 0
    try:
        wanted = ipaddress.IPv6Address(address).packed.hex()
        # Linux lists each address as: hex address, interface index (hex), ...
        with open("/proc/net/if_inet6", encoding="ascii") as table:
            for line in table:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == wanted:
                    return int(fields[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def _family(family: int) -> str:
    return "IPv6" if family == socket.AF_INET6 else "IPv4"
