"""ICMP errors on an unconnected UDP socket: Linux's IP_RECVERR and its error queue.

A connected UDP socket hears "port unreachable" as ECONNREFUSED, but it also drops every
datagram that does not come from its one peer, and devices often answer from another
port. Unconnected, Linux ignores ICMP errors unless IP_RECVERR is set; with it, the next
call fails with ECONNREFUSED as before, and each error waits in the socket's error queue
together with the destination it is about (seen on loopback, IPv4 and IPv6).
Windows reports the error as WSAECONNRESET on the next recvfrom instead; macOS reports
nothing to an unconnected socket.
"""

from __future__ import annotations

import socket
import struct
import sys
from typing import Any

# Not in Python's socket module: <linux/in.h>, <linux/in6.h>, <linux/socket.h>.
IP_RECVERR = 11
IPV6_RECVERR = 25
MSG_ERRQUEUE = 0x2000
# struct sock_extended_err (<linux/errqueue.h>): ee_errno, ee_origin, type, code, pad,
# info, data; an error of local origin was already raised by the send that caused it.
_EXTENDED_ERR = struct.Struct("=IBBBBII")
_ORIGIN_LOCAL = 1
_ERROR_LEVELS = {
    (socket.IPPROTO_IP, IP_RECVERR),
    (socket.IPPROTO_IPV6, IPV6_RECVERR),
}
# Entries read per drain: the kernel bounds the queue by the receive buffer anyway.
DRAIN_MAX = 4096

HAS_ERROR_QUEUE = sys.platform.startswith("linux") and hasattr(socket.socket, "recvmsg")

IcmpError = tuple[int, Any]  # (errno, the destination sockaddr it is about)


def enable_error_queue(sock: socket.socket, family: int) -> bool:
    """Ask the kernel to report ICMP errors to this unconnected socket; False if it cannot."""
    if not HAS_ERROR_QUEUE:
        return False
    if family == socket.AF_INET6:
        level, option = socket.IPPROTO_IPV6, IPV6_RECVERR
    else:
        level, option = socket.IPPROTO_IP, IP_RECVERR
    try:
        sock.setsockopt(level, option, 1)
    except OSError:
        return False
    return True


def drain_error_queue(sock: socket.socket) -> list[IcmpError]:
    """Read every queued ICMP error, oldest first.

    Draining matters beyond the report: queued errors take room in the receive buffer
    (replies are dropped once it is full) and keep the socket "readable" for the selector.
    """
    errors: list[IcmpError] = []
    for _ in range(DRAIN_MAX):
        try:
            _, ancillary, _, address = sock.recvmsg(0, 512, MSG_ERRQUEUE)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            break
        for level, kind, data in ancillary:
            if (level, kind) in _ERROR_LEVELS and len(data) >= _EXTENDED_ERR.size:
                code, origin = _EXTENDED_ERR.unpack_from(data)[:2]
                if origin != _ORIGIN_LOCAL:
                    errors.append((code, address))
                break
    return errors
