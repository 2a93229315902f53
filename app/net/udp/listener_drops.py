"""How many datagrams the kernel dropped on a socket because its receive queue was full.

Two sources, both Linux: SO_RXQ_OVFL makes the kernel attach the socket's drop counter
to a received datagram as ancillary data (read with one `recvmsg` per batch, so the
counter costs nothing per datagram), and the `drops` column of /proc/net/udp{,6} for the
socket's inode covers drops after the last datagram read. Elsewhere both are missing and
the count stays 0, which the status then says it cannot know.
"""

from __future__ import annotations

import os
import socket
import struct
import sys

# Not exported by the socket module; the value is fixed in Linux's uapi headers.
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)
HAS_DROP_COUNTER = sys.platform.startswith("linux")
ANCILLARY_SPACE = socket.CMSG_SPACE(4) if hasattr(socket, "CMSG_SPACE") else 0
_PROC_TABLES = {socket.AF_INET: "/proc/net/udp", socket.AF_INET6: "/proc/net/udp6"}


def enable_drop_counter(sock: socket.socket) -> bool:
    """Ask for the drop counter on every datagram; True when the kernel agreed."""
    if not HAS_DROP_COUNTER or not ANCILLARY_SPACE:
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    except OSError:
        return False
    return True


def drops_from_ancillary(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    """The counter carried by one `recvmsg`, or None when the datagram carried none."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(data) >= 4:
            value: int = struct.unpack("=I", data[:4])[0]
            return value
    return None


def drops_from_proc(sock: socket.socket) -> int | None:
    """The socket's `drops` column in /proc/net/udp (or udp6), or None if not found."""
    table = _PROC_TABLES.get(sock.family)
    if table is None or not HAS_DROP_COUNTER:
        return None
    try:
        inode = str(os.fstat(sock.fileno()).st_ino)
        with open(table, encoding="ascii") as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                # sl local remote st tx:rx tr:when retrnsmt uid timeout inode ref ptr drops
                if len(fields) >= 13 and fields[9] == inode:
                    return int(fields[12])
    except (OSError, ValueError, StopIteration):
        return None
    return None
