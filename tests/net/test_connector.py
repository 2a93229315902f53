"""Connector: the first address that answers, refusals skipped, one outcome, cancel."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from app.net.connector import Connector
from app.net.resolver import AddrInfo
from tests.net.reactor_harness import ReactorThread
from tests.peers import free_port


def _address(port: int) -> AddrInfo:
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))


def in_loop(loop: ReactorThread, fn: Callable[[], object]) -> object:
    """`fn()` run in the loop thread; its result once it ran."""
    ran = threading.Event()
    result: list[object] = []
    loop.reactor.call_soon(lambda: (result.append(fn()), ran.set()))
    assert ran.wait(10)
    return result[0]


def _connect(loop: ReactorThread, candidates: list[AddrInfo]) -> Connector:
    connector = in_loop(
        loop,
        lambda: Connector(
            loop.reactor,
            candidates,
            lambda sock: loop.on_state(("connected", sock)),
            lambda reason: loop.on_state(("failed", reason)),
        ),
    )
    assert isinstance(connector, Connector)
    return connector


def test_a_refused_address_is_skipped_for_the_next(loop: ReactorThread) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        _connect(loop, [_address(free_port()), _address(port)])
        loop.wait_for(lambda: bool(loop.states))
        outcome, sock = loop.states[0]
        assert outcome == "connected"
        assert sock.getpeername() == ("127.0.0.1", port)
        sock.close()


def test_when_every_address_refuses_the_last_reason_is_given(loop: ReactorThread) -> None:
    _connect(loop, [_address(free_port()), _address(free_port())])
    loop.wait_for(lambda: bool(loop.states))
    assert loop.states == [("failed", "Connection refused")]


def test_no_address_at_all_fails_at_once(loop: ReactorThread) -> None:
    _connect(loop, [])
    loop.wait_for(lambda: bool(loop.states))
    assert loop.states == [("failed", "Cannot connect")]


def test_cancel_releases_the_attempt_and_says_nothing(loop: ReactorThread) -> None:
    # A listener with a full accept queue drops the SYN: the connect stays in progress.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        connector = _connect(loop, [_address(port)])
        in_loop(loop, connector.cancel)
        assert loop.states == []  # neither connected nor failed: released quietly
        for filler in fillers:
            filler.close()
