"""Listener on loopback: dual-stack, batches, the cap, EMFILE without a busy loop, bind errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from app.net.events import Kind, Source
from app.net.listener import (
    Listener,
    ListenError,
    bind_addresses,
    open_listeners,
)
from tests.net.reactor_harness import ReactorThread, poll_until
from tests.peers import free_port


def has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not has_ipv6(), reason="no IPv6 loopback here")


class Accepted:
    """What the listener handed over, with the test woken on each connection."""

    def __init__(self, loop: ReactorThread) -> None:
        self._notify = loop.on_state
        self.peers: list[str] = []
        self.connections: list[socket.socket] = []

    def __call__(self, conn: socket.socket, peer: str) -> None:
        self.connections.append(conn)
        self.peers.append(peer)
        self._notify(peer)

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


def start_listener(
    loop: ReactorThread,
    host: str,
    accepted: Accepted,
    admit: Callable[[], bool] | None = None,
) -> Listener:
    box: list[Listener] = []
    done = threading.Event()

    def make() -> None:
        box.append(
            Listener(
                loop.reactor,
                open_listeners(host, 0),
                accepted,
                loop.sink,
                Source.TCP,
                admit=admit,
            )
        )
        done.set()

    loop.reactor.call_soon(make)
    assert done.wait(10)
    loop.closers.append(box[0].close)
    loop.closers.append(accepted.close)
    return box[0]


def test_localhost_means_both_loopbacks() -> None:
    assert bind_addresses("localhost") == ["127.0.0.1", "::1"]
    assert bind_addresses("0.0.0.0") == ["0.0.0.0"]
    assert bind_addresses("LocalHost") == ["127.0.0.1", "::1"]


@needs_ipv6
def test_localhost_listens_on_both_with_one_port(loop: ReactorThread) -> None:
    accepted = Accepted(loop)
    listener = start_listener(loop, "localhost", accepted)
    port = listener.port
    assert listener.addresses() == [f"127.0.0.1:{port}", f"[::1]:{port}"]
    with socket.create_connection(("127.0.0.1", port)), socket.create_connection(("::1", port)):
        loop.wait_for(lambda: len(accepted.peers) == 2)
    assert sum(p.startswith("127.0.0.1:") for p in accepted.peers) == 1
    assert sum(p.startswith("[::1]:") for p in accepted.peers) == 1


@needs_ipv6
def test_any_v6_address_is_dual_stack(loop: ReactorThread) -> None:
    accepted = Accepted(loop)
    listener = start_listener(loop, "::", accepted)
    with socket.create_connection(("127.0.0.1", listener.port)):
        loop.wait_for(lambda: len(accepted.peers) == 1)
    assert accepted.peers[0].startswith("[::ffff:127.0.0.1]:")


def test_a_burst_of_connections_is_accepted_in_batches(loop: ReactorThread) -> None:
    accepted = Accepted(loop)
    listener = start_listener(loop, "127.0.0.1", accepted)
    clients = [socket.create_connection(("127.0.0.1", listener.port)) for _ in range(150)]
    try:
        loop.wait_for(lambda: len(accepted.peers) == 150)
    finally:
        for client in clients:
            client.close()
    assert loop.of_kind(Kind.ERROR) == []


def test_at_the_cap_a_connection_is_closed_at_once_and_reported(loop: ReactorThread) -> None:
    accepted = Accepted(loop)
    listener = start_listener(loop, "127.0.0.1", accepted, admit=lambda: len(accepted.peers) < 2)
    clients = [socket.create_connection(("127.0.0.1", listener.port)) for _ in range(5)]
    try:
        poll_until(lambda: listener.refused == 3)
        for client in clients[2:]:
            client.settimeout(5)
            assert client.recv(10) == b""  # closed by the listener, not left hanging
    finally:
        for client in clients:
            client.close()
    assert len(accepted.peers) == 2
    # One line a second at most, however many are refused.
    [line] = loop.of_kind(Kind.ERROR)
    assert line.message == "Refused a connection: at the connection limit (1 refused so far)"


def test_close_releases_the_port(loop: ReactorThread) -> None:
    accepted = Accepted(loop)
    listener = start_listener(loop, "127.0.0.1", accepted)
    port = listener.port
    done = threading.Event()
    loop.reactor.call_soon(lambda: (listener.close(), done.set()))
    assert done.wait(10)
    assert listener.sockets == []
    [again] = open_listeners("127.0.0.1", port)
    again.close()


def test_port_in_use_is_said_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ListenError) as caught:
            open_listeners("127.0.0.1", port)
    assert str(caught.value) == f"Port {port} is in use on 127.0.0.1: another program listens there"


def test_an_address_of_another_machine_is_said_plainly() -> None:
    port = free_port()
    with pytest.raises(ListenError) as caught:
        open_listeners("192.0.2.1", port)
    assert str(caught.value) == (
        f"Cannot listen on 192.0.2.1:{port}: 192.0.2.1 is not an address of this machine"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may bind low ports")
def test_a_low_port_without_rights_is_said_plainly() -> None:
    with pytest.raises(ListenError) as caught:
        open_listeners("127.0.0.1", 80)
    assert "permission denied (ports below 1024 need administrator rights)" in str(caught.value)


# The EMFILE check runs in a child process: it lowers its own descriptor limit, which
# must not starve the test process. The child prints one JSON line with what it saw.
_STARVED_CHILD = r"""
import json, os, resource, sys, threading, time
from app.net.events import Source
from app.net.listener import Listener, open_listeners
from tests.net.reactor_harness import ReactorThread, poll_until

loop = ReactorThread().start()
held, released = [], threading.Event()

def on_connection(conn, peer):
    if released.is_set():
        conn.close()
    else:
        held.append(conn)
    loop.on_state(peer)

ready = threading.Event()
box = []
loop.reactor.call_soon(lambda: (box.append(Listener(
    loop.reactor, open_listeners("127.0.0.1", 0), on_connection, loop.sink, Source.TCP)),
    ready.set()))
ready.wait(10)
open_now = len(os.listdir("/proc/self/fd"))
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 3, hard))
print(box[0].port, flush=True)
sys.stdin.readline()  # the parent has connected every client
loop.wait_for(lambda: any("out of file descriptors" in e.message for e in loop.events))
cpu_before = time.process_time()
threading.Event().wait(1.0)  # a fixed window to measure CPU in, not a wait for an event
cpu = time.process_time() - cpu_before
starved_accepts = len(held)
released.set()
loop.reactor.call_soon(lambda: [c.close() for c in held])
total = int(sys.argv[1])
loop.wait_for(lambda: len([s for s in loop.states]) == total)
print(json.dumps({"cpu": cpu, "held": starved_accepts, "accepted": len(loop.states),
                  "messages": [e.message for e in loop.events]}), flush=True)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_out_of_descriptors_pauses_without_a_busy_loop_and_recovers() -> None:
    total = 12
    clients: list[socket.socket] = []
    with subprocess.Popen(
        [sys.executable, "-c", _STARVED_CHILD, str(total)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stdin is not None
            port = int(child.stdout.readline())
            clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(total)]
            child.stdin.write("go\n")
            child.stdin.flush()
            line = child.stdout.readline()
            assert child.wait(20) == 0
        finally:
            if child.poll() is None:
                child.kill()
            for client in clients:
                client.close()
    report = json.loads(line)
    # While out of descriptors the listener sleeps on a timer: well under a tenth of a
    # core over the one-second window (a busy accept loop burns the whole second).
    assert report["cpu"] < 0.15, report
    assert 0 < report["held"] < total
    assert report["accepted"] == total  # the rest were accepted once descriptors freed
    starved = [m for m in report["messages"] if "out of file descriptors" in m]
    assert starved == [
        "Cannot accept: Too many open files (out of file descriptors); "
        "new connections wait and are tried again every 0.25 s"
    ]
    assert "File descriptors are free again: accepting connections" in report["messages"]


_LIMIT_CHILD = r"""
import resource
from app.net.listener import raise_file_limit
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
print(raise_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")
def test_raise_file_limit_goes_to_the_hard_limit() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _LIMIT_CHILD], capture_output=True, text=True, check=True
    ).stdout.split()
    returned, soft, hard = (int(x) for x in out)
    expected = hard if hard != -1 else 10_240  # -1: RLIM_INFINITY
    assert returned == soft == expected
