"""The UDP Listener's bound sockets: every address of a host, one port, nothing left bound."""

from __future__ import annotations

import socket

import pytest

from app.net.udp.listener_drops import HAS_DROP_COUNTER
from app.net.udp.listener_endpoints import Endpoint, open_endpoints
from app.net.udp.listener_socket import BindFailed
from tests.udp_peers import free_udp_port


def close_all(endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        endpoint.sock.close()


def test_one_address_is_one_named_endpoint_counting_drops() -> None:
    endpoints = open_endpoints("127.0.0.1", 0, "")
    try:
        [endpoint] = endpoints
        port = endpoint.sock.getsockname()[1]
        assert endpoint.name == f"127.0.0.1:{port}"
        assert endpoint.counts_drops is HAS_DROP_COUNTER and endpoint.drops == 0
        assert (endpoint.group, endpoint.group_only, endpoint.membership) == ("", False, b"")
    finally:
        close_all(endpoints)


def test_localhost_is_both_loopbacks_on_one_ephemeral_port() -> None:
    endpoints = open_endpoints("localhost", 0, "")
    try:
        port = endpoints[0].sock.getsockname()[1]
        names = [e.name for e in endpoints]
        assert names in ([f"127.0.0.1:{port}", f"[::1]:{port}"], [f"127.0.0.1:{port}"])
    finally:
        close_all(endpoints)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_localhost_without_its_ipv6_port_still_serves_ipv4_alone() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as taken:
        taken.bind(("::1", 0))
        port = taken.getsockname()[1]
        try:
            endpoints = open_endpoints("localhost", port, "")
        except BindFailed:
            pytest.skip("the IPv4 port happens to be taken too")
        try:
            assert [e.name for e in endpoints] == [f"127.0.0.1:{port}"]
        finally:
            close_all(endpoints)


@pytest.mark.parametrize(
    ("bind", "group", "family"),
    [("::1", "239.1.2.3", "IPv4"), ("127.0.0.1", "ff02::1:3", "IPv6")],
)
def test_a_group_of_the_other_family_is_refused_and_nothing_stays_bound(
    bind: str, group: str, family: str
) -> None:
    port = free_udp_port(socket.AF_INET6 if ":" in bind else socket.AF_INET)
    # The address is bound first, then the group found unusable: the socket is released.
    with pytest.raises(BindFailed) as raised:
        open_endpoints(bind, port, group)
    assert str(raised.value) == (
        f"Multicast group {group} is {family} but the listener is bound to no address of "
        "that family"
    )
    with socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((bind, port))


def test_a_bad_address_is_refused() -> None:
    with pytest.raises(BindFailed, match="Bad bind address"):
        open_endpoints("999.1.1.1", 0, "")
