"""UdpListener against real UDP clients on loopback, without Qt."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.net.events import Kind, LogEvent, Source
from app.net.reply import ReplyMode
from app.net.udp.datagram import IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD
from app.net.udp.listener import UdpListener
from app.net.udp.listener_drops import HAS_DROP_COUNTER
from app.net.udp.listener_status import ListenerState, UdpListenerStatus
from app.payload import PayloadFormat, compile_message
from tests.hardening.test_namespaces import namespaces_work
from tests.net.reactor_harness import ReactorThread
from tests.udp_peers import free_udp_port

ROOT = Path(__file__).resolve().parents[3]
AWKWARD = b"\x00\xff\r\n\x1b[2J\\x00 caf\xc3\xa9"
FLOOD = 100_000


class Listening:
    """A listener on a harness loop; events counted in batches, statuses kept."""

    def __init__(self, loop: ReactorThread) -> None:
        self.loop = loop
        self.received = 0
        self.listener = UdpListener(loop.reactor, loop.sink, loop.on_state, sink_many=self.extend)
        loop.closers.append(self.listener.close)
        self.keep = True

    def extend(self, events: list[LogEvent]) -> None:
        if self.keep:
            for event in events:
                self.loop.sink(event)
            return
        # A flood: count, keep only what is not a received datagram.
        with self.loop._changed:  # the harness's own condition
            self.received += sum(1 for e in events if e.kind is Kind.RECEIVED)
            self.loop._changed.notify_all()

    def call(self, fn: object, *args: object) -> None:
        self.loop.reactor.call_soon(fn, *args)  # type: ignore[arg-type]

    def status(self) -> UdpListenerStatus:
        status = self.loop.states[-1]
        assert isinstance(status, UdpListenerStatus)
        return status

    def start(self, host: str = "127.0.0.1", port: int = 0, group: str = "") -> UdpListenerStatus:
        mark = len(self.loop.states)
        self.call(self.listener.start, host, port, group)
        self.loop.wait_for(lambda: len(self.loop.states) > mark)
        return self.status()

    def stop(self) -> UdpListenerStatus:
        mark = len(self.loop.states)
        self.call(self.listener.stop)
        self.loop.wait_for(
            lambda: len(self.loop.states) > mark and self.status().state is ListenerState.STOPPED
        )
        return self.status()

    def port(self) -> int:
        return int(self.status().local[0].rsplit(":", 1)[1])

    def wait_status(self, predicate: object) -> UdpListenerStatus:
        self.loop.wait_for(lambda: bool(self.loop.states) and predicate(self.status()))  # type: ignore[operator]
        return self.status()

    def rows(self, kind: Kind) -> list[LogEvent]:
        return self.loop.of_kind(kind)

    def messages(self, kind: Kind | None = None) -> list[str]:
        return [e.message for e in self.loop.events if kind is None or e.kind is kind]


@pytest.fixture
def listening() -> Iterator[Listening]:
    loop = ReactorThread().start()
    yield Listening(loop)
    loop.stop()


def client(family: int = socket.AF_INET) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    sock.settimeout(5)
    return sock


def name_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def test_echo_returns_the_exact_bytes_and_logs_both_rows(listening: Listening) -> None:
    status = listening.start()
    assert status.state is ListenerState.LISTENING and status.local[0].startswith("127.0.0.1:")
    with client() as peer:
        peer.sendto(AWKWARD, ("127.0.0.1", listening.port()))
        assert peer.recvfrom(65_535) == (AWKWARD, ("127.0.0.1", listening.port()))
        listening.loop.wait_for(lambda: len(listening.rows(Kind.SENT)) == 1)
        received, sent = listening.rows(Kind.RECEIVED), listening.rows(Kind.SENT)
        assert [(e.peer, e.data, e.size) for e in received] == [
            (name_of(peer), AWKWARD, len(AWKWARD))
        ]
        assert [(e.peer, e.data, e.message) for e in sent] == [(name_of(peer), AWKWARD, "")]
        assert all(e.source is Source.UDP_LISTENER for e in listening.loop.events)


def test_fixed_reply_then_no_reply_changed_while_running(listening: Listening) -> None:
    listening.start()
    address = ("127.0.0.1", listening.port())
    with client() as peer:
        listening.listener.set_reply(ReplyMode.FIXED, b"\x01fixed")
        peer.sendto(b"one", address)
        assert peer.recv(100) == b"\x01fixed"
        listening.listener.set_reply(ReplyMode.NONE)
        peer.sendto(b"two", address)
        listening.loop.wait_for(lambda: len(listening.rows(Kind.RECEIVED)) == 2)
        # The reply would have been sent before the datagram was logged: none is queued.
        peer.setblocking(False)
        with pytest.raises(BlockingIOError):
            peer.recv(100)
        peer.settimeout(5)
        listening.listener.set_reply(ReplyMode.ECHO)
        peer.sendto(b"three", address)
        assert peer.recv(100) == b"three"
    listening.loop.wait_for(lambda: len(listening.rows(Kind.SENT)) == 2)
    assert [e.data for e in listening.rows(Kind.SENT)] == [b"\x01fixed", b"three"]


@pytest.mark.parametrize(
    ("family", "host", "size"),
    [
        pytest.param(socket.AF_INET, "127.0.0.1", IPV4_MAX_PAYLOAD, id="ipv4-65507"),
        pytest.param(socket.AF_INET6, "::1", IPV6_MAX_PAYLOAD, id="ipv6-65527"),
    ],
)
def test_largest_datagrams_arrive_whole_and_echo_whole(
    listening: Listening, family: int, host: str, size: int
) -> None:
    listening.start(host)
    payload = os.urandom(size)
    with client(family) as peer:
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        peer.sendto(payload, (host, listening.port()))
        assert peer.recv(70_000) == payload
    listening.loop.wait_for(lambda: bool(listening.rows(Kind.RECEIVED)))
    assert listening.rows(Kind.RECEIVED)[0].data == payload


def test_localhost_listens_on_both_loopbacks_and_dual_stack_takes_ipv4(
    listening: Listening,
) -> None:
    status = listening.start("localhost")
    port = listening.port()
    assert status.local == (f"127.0.0.1:{port}", f"[::1]:{port}")
    with client() as v4, client(socket.AF_INET6) as v6:
        v4.sendto(b"four", ("127.0.0.1", port))
        v6.sendto(b"six", ("::1", port))
        assert (v4.recv(10), v6.recv(10)) == (b"four", b"six")
    listening.stop()
    listening.start("::")
    with client() as v4:
        v4.sendto(b"mapped", ("127.0.0.1", listening.port()))
        assert v4.recv(10) == b"mapped"
        listening.loop.wait_for(lambda: len(listening.rows(Kind.RECEIVED)) == 3)
        # An IPv4 sender reaching a dual-stack socket shows as itself, not ::ffff:…
        assert listening.rows(Kind.RECEIVED)[-1].peer == name_of(v4)


def test_peer_table_counts_datagrams_bytes_and_last_seen(listening: Listening) -> None:
    listening.listener.set_reply(ReplyMode.NONE)
    listening.start()
    address = ("127.0.0.1", listening.port())
    before = time.time()
    with client() as a, client() as b:
        for data in (b"a", b"bb", b"ccc"):
            a.sendto(data, address)
        for data in (b"dddd", b""):
            b.sendto(data, address)
        status = listening.wait_status(lambda s: s.received == 5)
        peers = {p.address: p for p in status.peers}
        assert (peers[name_of(a)].datagrams, peers[name_of(a)].bytes) == (3, 6)
        assert (peers[name_of(b)].datagrams, peers[name_of(b)].bytes) == (2, 4)
        assert all(before <= p.last_seen <= time.time() for p in status.peers)
    assert "0-byte datagram" in listening.messages(Kind.RECEIVED)
    assert status.received_bytes == 10 and status.sent == 0


def test_send_to_selected_peers_and_refusals(listening: Listening) -> None:
    listening.listener.set_reply(ReplyMode.NONE)
    listening.start()
    address = ("127.0.0.1", listening.port())
    with client() as a, client() as b, client() as c:
        for peer in (a, b, c):
            peer.sendto(b"hi", address)
        listening.wait_status(lambda s: len(s.peers) == 3)
        names = [name_of(a), name_of(c)]
        listening.call(listening.listener.send_to, names, b"to you")
        assert a.recv(100) == b"to you" and c.recv(100) == b"to you"
        listening.call(listening.listener.send_to, ["127.0.0.1:9"], b"x")
        listening.call(listening.listener.send_to, [name_of(b)], b"x" * (IPV4_MAX_PAYLOAD + 1))
        listening.loop.wait_for(lambda: len(listening.rows(Kind.ERROR)) == 2)
        b.setblocking(False)
        with pytest.raises(BlockingIOError):
            b.recv(100)
    errors = listening.messages(Kind.ERROR)
    assert "127.0.0.1:9 is not a peer of this listener; nothing sent" in errors[0]
    assert "too large" in errors[1] and "65,507" in errors[1]
    assert [e.peer for e in listening.rows(Kind.SENT)] == names


def test_port_in_use_is_one_line_and_stopped(listening: Listening) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        status = listening.start("127.0.0.1", port)
    assert status.state is ListenerState.STOPPED
    assert status.error == listening.messages(Kind.ERROR)[0]
    assert f"Port {port} is in use on 127.0.0.1" in status.error
    assert len(listening.loop.events) == 1


@pytest.mark.parametrize(
    ("bind", "group", "expected"),
    [
        ("127.0.0.1", "10.0.0.1", "'10.0.0.1' is not a multicast group"),
        ("::1", "239.1.2.3", "bound to no address of that family"),
    ],
)
def test_unusable_multicast_group(
    listening: Listening, bind: str, group: str, expected: str
) -> None:
    port = free_udp_port()
    status = listening.start(bind, port, group)
    assert status.state is ListenerState.STOPPED and expected in status.error
    # Nothing stays bound: the port is free again at once.
    with socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((bind, port))


def test_stop_is_quick_and_start_again_on_the_same_port_works(listening: Listening) -> None:
    listening.start()
    port = listening.port()
    with client() as peer:
        peer.sendto(b"x", ("127.0.0.1", port))
        assert peer.recv(10) == b"x"
    started = time.monotonic()
    status = listening.stop()
    assert time.monotonic() - started < 1.0
    assert status.received == 1 and len(status.peers) == 1  # the last session stays shown
    assert "received 1 datagram (1 byte) from 1 peer" in listening.messages()[-1]
    again = listening.start("127.0.0.1", port)
    assert again.state is ListenerState.LISTENING and again.peers == ()
    with client() as peer:
        peer.sendto(b"y", ("127.0.0.1", port))
        assert peer.recv(10) == b"y"
    listening.start("127.0.0.1", port)  # already listening: said, nothing changes
    assert "Already listening; stop first" in listening.messages(Kind.INFO)


_FLOODER = r"""
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"f" * 32
for _ in range(count):
    s.sendto(payload, ("127.0.0.1", port))
"""


def test_a_flood_is_counted_exactly_or_the_kernel_drops_are_reported(
    listening: Listening,
) -> None:
    listening.listener.set_reply(ReplyMode.NONE)
    listening.keep = False
    listening.start()
    port = listening.port()
    flooder = subprocess.run(
        [sys.executable, "-c", _FLOODER, str(port), str(FLOOD)], timeout=120, check=True
    )
    assert flooder.returncode == 0
    status = listening.wait_status(
        lambda s: s.received + s.kernel_drops >= FLOOD and s.received == listening.received
    )
    assert status.received + status.kernel_drops == FLOOD, status[4:8]
    print(f"flood: {status.received:,} received, {status.kernel_drops:,} kernel drops")
    if not HAS_DROP_COUNTER:
        assert status.kernel_drops == 0 and status.received == FLOOD
    if status.kernel_drops:
        assert any("kernel dropped" in m for m in listening.messages(Kind.ERROR))


@pytest.mark.skipif(not HAS_DROP_COUNTER, reason="the OS reports no kernel drops")
def test_kernel_drops_while_the_loop_is_stalled_are_counted_and_logged(
    listening: Listening,
) -> None:
    listening.listener.set_reply(ReplyMode.NONE)
    listening.keep = False
    listening.start()
    # The loop thread waits here while the whole flood arrives: the receive queue fills
    # and the kernel drops the rest, as it would behind a stalled listener.
    release = threading.Event()
    listening.call(release.wait, 60)
    try:
        subprocess.run(
            [sys.executable, "-c", _FLOODER, str(listening.port()), str(FLOOD)],
            timeout=120,
            check=True,
        )
    finally:
        release.set()
    status = listening.wait_status(
        lambda s: s.received + s.kernel_drops >= FLOOD and s.received == listening.received
    )
    assert status.kernel_drops > 0, "the queue cannot hold 100,000 datagrams"
    assert status.received + status.kernel_drops == FLOOD, status[4:8]
    listening.loop.wait_for(lambda: bool(listening.messages(Kind.ERROR)))
    line = listening.messages(Kind.ERROR)[0]
    assert f"The kernel dropped {status.kernel_drops:,} datagrams" in line, line
    # Stopped, the last session's count stays shown.
    assert listening.stop().kernel_drops == status.kernel_drops


# -- multicast, only inside a network namespace of the test's own ------------------------

_MULTICAST_CHILD = r"""
import json, socket, struct, sys
from app.net.events import Kind
from app.net.udp.listener import UdpListener
from tests.net.reactor_harness import ReactorThread

bind, group, port, interface = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
family = socket.AF_INET6 if ":" in group else socket.AF_INET
loop = ReactorThread().start()
listener = UdpListener(loop.reactor, loop.sink, loop.on_state)
loop.closers.append(listener.close)
out = {}
loop.reactor.call_soon(listener.start, bind, port, group)
loop.wait_for(lambda: loop.states)
out["status"] = [loop.states[-1].state.value, list(loop.states[-1].local), loop.states[-1].error]
if loop.states[-1].state.value == "Listening":
    sender = socket.socket(family, socket.SOCK_DGRAM)
    sender.settimeout(5)
    sender.bind((bind, 0))
    if family == socket.AF_INET:
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(bind))
        target = (group, port)
    else:
        index = socket.if_nametoindex(interface)
        sender.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, struct.pack("@I", index))
        target = (group, port, 0, index)
    sender.sendto(b"to the group", target)
    out["echo"] = sender.recv(100).decode()
    loop.wait_for(lambda: loop.of_kind(Kind.RECEIVED))
    out["peer"] = loop.of_kind(Kind.RECEIVED)[0].peer
    out["sender"] = list(sender.getsockname()[:2])
    with open("/proc/net/igmp" if family == socket.AF_INET else "/proc/net/igmp6") as f:
        out["joined"] = f.read()
    mark = len(loop.states)
    loop.reactor.call_soon(listener.stop)
    loop.wait_for(lambda: len(loop.states) > mark)
    with open("/proc/net/igmp" if family == socket.AF_INET else "/proc/net/igmp6") as f:
        out["after_stop"] = f.read()
out["messages"] = [e.message for e in loop.events if e.kind is not Kind.RECEIVED]
loop.stop()
print(json.dumps(out), flush=True)
"""

_NAMESPACE_NEEDED = pytest.mark.skipif(
    not namespaces_work(), reason="needs unprivileged network namespaces (unshare -rn)"
)


def run_in_namespace(setup: str, *args: str) -> dict[str, Any]:
    import json

    python = [sys.executable, "-c", _MULTICAST_CHILD, *args]
    command = ["unshare", "-rn", "sh", "-c", setup + ' && exec "$@"', "sh", *python]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


_LO_MULTICAST = "ip link set lo up && ip link set lo multicast on"


@_NAMESPACE_NEEDED
def test_multicast_ipv4_joined_on_loopback_and_left_on_stop() -> None:
    setup = _LO_MULTICAST + " && ip route add 224.0.0.0/4 dev lo"
    result = run_in_namespace(setup, "127.0.0.1", "239.1.2.3", "8000", "lo")
    assert result["status"] == ["Listening", ["127.0.0.1:8000", "239.1.2.3:8000"], ""], result
    assert result["echo"] == "to the group"
    assert result["peer"] == "{}:{}".format(*result["sender"])
    # /proc/net/igmp prints a group as its 32-bit value in host order: 239.1.2.3 on x86.
    assert "030201EF" in str(result["joined"]).upper()
    assert "030201EF" not in str(result["after_stop"]).upper()
    messages = result["messages"]
    assert isinstance(messages, list)
    assert "joined multicast group 239.1.2.3" in messages[0]
    assert "left multicast group 239.1.2.3" in messages[-1]


# IPv6 multicast sent out of `lo` is never looped back in (Linux loops a copy back only
# for a non-loopback device), so the IPv6 test gets a veth pair of the namespace's own.
_VETH = (
    "ip link set lo up && ip link add st0 type veth peer name st1 && ip link set st1 up"
    " && ip link set st0 up && ip -6 addr add fd00::1/64 dev st0 nodad"
)


@_NAMESPACE_NEEDED
@pytest.mark.parametrize("group", ["ff02::1:3", "ff15::1234"])
def test_multicast_ipv6_joined_on_the_bind_interface(group: str) -> None:
    result = run_in_namespace(_VETH, "fd00::1", group, "8000", "st0")
    assert result["status"] == ["Listening", ["[fd00::1]:8000", f"[{group}]:8000"], ""], result
    joined = f"st0             {ipaddress.IPv6Address(group).packed.hex()}"
    assert joined in str(result["joined"]), result["joined"]
    assert joined not in str(result["after_stop"])
    assert result["echo"] == "to the group"
    assert result["peer"] == "[{}]:{}".format(*result["sender"])


@_NAMESPACE_NEEDED
def test_multicast_join_refused_is_one_line_and_stopped() -> None:
    # Loopback up without a multicast route: the kernel finds no interface for the group.
    result = run_in_namespace("ip link set lo up", "0.0.0.0", "239.1.2.3", "8000", "lo")
    state, local, error = result["status"]
    assert (state, local) == ("Stopped", [])
    assert "Joining multicast group 239.1.2.3 on 0.0.0.0 was refused" in error
    assert result["messages"] == [error]


def test_sends_and_fixed_replies_render_macros_per_datagram(listening: Listening) -> None:
    listening.start()
    address = ("127.0.0.1", listening.port())
    listening.listener.set_reply(
        ReplyMode.FIXED, compile_message("{{counter:4}}{{sum8}}", PayloadFormat.TEXT)
    )
    with client() as peer:
        replies = []
        for _ in range(3):
            peer.sendto(b"ask", address)
            replies.append(peer.recv(100))
        assert replies == [b"%04d" % n + bytes([sum(b"%04d" % n) & 0xFF]) for n in (1, 2, 3)]
        listening.listener.set_reply(ReplyMode.NONE)
        send = compile_message("to you {{counter}}", PayloadFormat.TEXT)
        listening.call(listening.listener.send_to, [name_of(peer)], send)
        assert peer.recv(100) == b"to you 4"
        listening.call(listening.listener.send_to, ["10.0.0.1:9"], send)  # not a peer: not sent
        listening.call(listening.listener.send_to, [name_of(peer)], send)
        assert peer.recv(100) == b"to you 5"
    listening.loop.wait_for(lambda: len(listening.rows(Kind.SENT)) == 5)
    assert [e.data for e in listening.rows(Kind.SENT)][3:] == [b"to you 4", b"to you 5"]
    assert listening.listener.counter.sent == 5
