"""Where a run's datagrams go and how its socket is set up, chosen from resolved addresses.

No socket here: the choice is tested on its own and the sender only carries it out.
"""

from __future__ import annotations

import socket
from typing import Any, NamedTuple

from app.net.address import format_sockaddr, is_loopback
from app.net.resolver import AddrInfo
from app.net.udp.datagram import check_datagram, looks_like_broadcast
from app.net.udp.status import UdpJob


class Destination(NamedTuple):
    family: int
    address: Any  # the sockaddr to send to
    ip: str
    peer: str  # the address as the log shows it
    bind_host: str  # where the sending socket binds
    connect: bool  # connect the socket to the destination (see CONNECT_WHEN_NOT_LISTENING)
    problem: str  # why nothing can be sent there, or ""


def choose_destination(
    infos: list[AddrInfo], job: UdpJob, *, listen: bool, connect_when_not_listening: bool
) -> Destination:
    """The destination of `job` among `infos` (not empty) and the socket it needs."""
    # A name with both kinds of address goes to IPv4 first: most UDP services under test
    # listen on 0.0.0.0 or 127.0.0.1, and UDP has no handshake to fall back on.
    family, _, _, _, address = min(infos, key=lambda info: info[0] != socket.AF_INET)
    ip = str(address[0])
    problem = check_datagram(family, ip, len(job.data), job.broadcast)
    broadcast = family == socket.AF_INET and looks_like_broadcast(ip)
    # A loopback destination answers from loopback: the socket then stays unreachable
    # from the network, which a wildcard bind would open up to it.
    if is_loopback(ip):
        bind_host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    else:
        bind_host = "::" if family == socket.AF_INET6 else "0.0.0.0"
    connect = connect_when_not_listening and not broadcast and not listen
    return Destination(family, address, ip, format_sockaddr(address), bind_host, connect, problem)
