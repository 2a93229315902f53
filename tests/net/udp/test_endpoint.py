"""UdpEndpoint: one socket, reused while it fits, reopened when the needs change."""

from __future__ import annotations

import selectors
import socket
from collections.abc import Iterator

import pytest

from app.net.reactor import Reactor
from app.net.udp.endpoint import UdpEndpoint


@pytest.fixture
def endpoint() -> Iterator[UdpEndpoint]:
    reactor = Reactor()
    udp = UdpEndpoint(reactor)
    yield udp
    udp.close()
    reactor.close()


def test_open_binds_and_reports_its_local_address(endpoint: UdpEndpoint) -> None:
    assert endpoint.local() == ""
    assert endpoint.open(socket.AF_INET, "127.0.0.1", 0, connect=False) == ""
    assert endpoint.sock is not None
    host, port = endpoint.sock.getsockname()
    assert endpoint.local() == f"{host}:{port}"
    assert host == "127.0.0.1" and port > 0


def test_it_fits_the_same_needs_and_not_others(endpoint: UdpEndpoint) -> None:
    endpoint.open(socket.AF_INET, "127.0.0.1", 0, connect=False)
    assert endpoint.fits(socket.AF_INET, "127.0.0.1", 0, connect=False)
    assert not endpoint.fits(socket.AF_INET6, "::1", 0, connect=False)
    assert not endpoint.fits(socket.AF_INET, "127.0.0.1", 0, connect=True)
    assert not endpoint.fits(socket.AF_INET, "127.0.0.1", 1, connect=False)


def test_a_port_in_use_is_a_reason_not_an_exception(endpoint: UdpEndpoint) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        taken = holder.getsockname()[1]
        reason = endpoint.open(socket.AF_INET, "127.0.0.1", taken, connect=False)
    assert reason
    assert endpoint.sock is None


def test_watch_and_close_release_the_socket(endpoint: UdpEndpoint) -> None:
    endpoint.open(socket.AF_INET, "127.0.0.1", 0, connect=False)
    sock = endpoint.sock
    assert sock is not None
    endpoint.watch(selectors.EVENT_READ, lambda _mask: None)
    endpoint.watch(0, lambda _mask: None)
    endpoint.close()
    assert endpoint.sock is None
    assert sock.fileno() == -1
    assert endpoint.local() == ""
