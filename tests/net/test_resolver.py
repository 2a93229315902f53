"""resolve_async: the answer (or the reason) comes back in the loop thread."""

from __future__ import annotations

import socket

import pytest

from app.net.reactor import Reactor
from app.net.resolver import AddrInfo, resolve_async

GUARD_S = 10.0


def resolve(reactor: Reactor, host: str, port: int) -> tuple[list[AddrInfo] | None, str, bool]:
    answers: list[tuple[list[AddrInfo] | None, str, bool]] = []

    def done(infos: list[AddrInfo] | None, reason: str) -> None:
        answers.append((infos, reason, reactor.in_loop_thread()))
        reactor.stop()

    reactor.call_soon(resolve_async, reactor, host, port, socket.SOCK_STREAM, done)
    guard = reactor.call_later(GUARD_S, reactor.stop)
    reactor.run()
    guard.cancel()
    assert len(answers) == 1, "done() must be called exactly once"
    return answers[0]


@pytest.mark.parametrize(
    ("host", "family", "address"),
    [
        ("127.0.0.1", socket.AF_INET, "127.0.0.1"),
        ("::1", socket.AF_INET6, "::1"),
    ],
)
def test_a_numeric_address_resolves_in_the_loop_thread(
    reactor: Reactor, host: str, family: socket.AddressFamily, address: str
) -> None:
    if family == socket.AF_INET6 and not socket.has_ipv6:
        pytest.skip("no IPv6")
    infos, reason, in_loop = resolve(reactor, host, 8080)
    assert in_loop
    assert reason == ""
    assert infos
    assert {(info[0], info[4][0], info[4][1]) for info in infos} == {(family, address, 8080)}


def test_a_name_that_cannot_be_encoded_gives_a_reason_not_an_exception(
    reactor: Reactor,
) -> None:
    # A DNS label longer than 63 characters fails in IDNA encoding, before any lookup.
    infos, reason, in_loop = resolve(reactor, "x" * 64 + ".example", 80)
    assert in_loop
    assert infos is None
    assert reason


def test_localhost_resolves_from_the_hosts_file(reactor: Reactor) -> None:
    infos, reason, _in_loop = resolve(reactor, "localhost", 80)
    assert reason == "" and infos
    assert all(info[4][1] == 80 for info in infos)


def test_a_name_with_a_nul_character_gives_a_reason_not_a_dead_thread(
    reactor: Reactor,
) -> None:
    # Depending on the Python build, getaddrinfo raises ValueError ("embedded null
    # character") or gaierror for such a name; either way one answer with a reason.
    infos, reason, in_loop = resolve(reactor, "local\0host", 80)
    assert in_loop
    assert infos is None
    assert reason
