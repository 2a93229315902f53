"""The UDP Listener's bound sockets: one per address, plus one bound to a multicast group."""

from __future__ import annotations

import socket

from app.net.address import format_peer, format_sockaddr
from app.net.listener import bind_addresses
from app.net.udp.listener_drops import enable_drop_counter
from app.net.udp.listener_socket import (
    WILDCARDS,
    BindFailed,
    group_family,
    join_group,
    open_group_socket,
    open_listening_socket,
)


class Endpoint:
    """One bound socket, its multicast membership and its kernel drop counter."""

    __slots__ = ("counts_drops", "drops", "group", "group_only", "membership", "name", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.name = format_sockaddr(sock.getsockname())
        self.counts_drops = enable_drop_counter(sock)
        self.drops = 0
        self.group = ""
        self.group_only = False  # bound to the group address itself
        self.membership = b""


def open_endpoints(host: str, port: int, group: str) -> list[Endpoint]:
    """Bind every address `host` stands for on `port`, and join `group` if given."""
    socks: list[socket.socket] = []
    try:
        for address in bind_addresses(host):
            try:
                socks.append(open_listening_socket(address, port))
            except BindFailed:
                if host.lower() == "localhost" and address == "::1" and socks:
                    continue  # no IPv6 here: 127.0.0.1 alone still serves localhost
                raise
            if port == 0:  # an ephemeral port: the next address must use the same one
                port = socks[0].getsockname()[1]
        endpoints = [Endpoint(sock) for sock in socks]
        if group:
            endpoints.append(_join(endpoints, group, port))
    except BindFailed:
        for sock in socks:
            sock.close()
        raise
    return endpoints


def _join(endpoints: list[Endpoint], group: str, port: int) -> Endpoint:
    """Join on the interface of the bound address of the group's family."""
    family = group_family(group)
    same = [e for e in endpoints if e.sock.family == family]
    if not same:
        raise BindFailed(
            f"Multicast group {group} is {'IPv6' if family == socket.AF_INET6 else 'IPv4'}"
            " but the listener is bound to no address of that family"
        )
    endpoint = same[0]
    bind_host = str(endpoint.sock.getsockname()[0])
    if bind_host in WILDCARDS:
        # A wildcard socket hears the group itself: join on it.
        endpoint.group = group
        endpoint.membership = join_group(endpoint.sock, group, bind_host)
        endpoints.remove(endpoint)
        return endpoint
    sock = open_group_socket(group, port, bind_host)
    member = Endpoint(sock)
    member.name = format_peer(group, port)
    member.group = group
    member.group_only = True
    try:
        member.membership = join_group(sock, group, bind_host)
    except BindFailed:
        sock.close()
        raise
    return member
