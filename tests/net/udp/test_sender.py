"""UdpSender against real UDP peers on loopback, without Qt."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from app.net.events import Kind, LogEvent
from app.net.udp import sender as udp_sender
from app.net.udp.datagram import IPV4_MAX_PAYLOAD, IPV6_MAX_PAYLOAD, looks_like_broadcast
from app.net.udp.icmp import HAS_ERROR_QUEUE
from app.net.udp.sender import UdpSender
from app.net.udp.status import UdpJob, UdpProgress, UdpState, UdpStatus
from tests.net.reactor_harness import ReactorThread
from tests.udp_peers import UdpReceiver, free_udp_port

# macOS reports ICMP errors to no unconnected socket, and a listening socket is never
# connected (it would hear only its destination).
NO_ICMP_ON_MACOS = pytest.mark.skipif(
    sys.platform == "darwin", reason="no ICMP errors on an unconnected socket"
)


HELLO = b"Hello, server!"
FAMILIES = [
    pytest.param(socket.AF_INET, id="ipv4"),
    pytest.param(socket.AF_INET6, id="ipv6"),
]


class Probe:
    """A sender on a harness loop, with its progress reports collected."""

    def __init__(self, loop: ReactorThread) -> None:
        self.loop = loop
        self.progress: list[UdpProgress] = []
        self._mark = 0
        self.sender = UdpSender(
            loop.reactor, loop.sink, loop.on_state, self.progress.append, sink_many=self.extend
        )
        loop.closers.append(self.sender.close)

    def extend(self, events: list[LogEvent]) -> None:
        for event in events:
            self.loop.sink(event)

    def start(self, *, mark: bool = True, **job: object) -> None:
        if mark:  # wait_idle() then waits for the end of this start
            self._mark = len(self.loop.states)
        self.loop.reactor.call_soon(self.sender.start, UdpJob(**job))  # type: ignore[arg-type]

    def call(self, fn: object, *args: object) -> None:
        self.loop.reactor.call_soon(fn, *args)  # type: ignore[arg-type]

    def status(self) -> UdpStatus | None:
        status = self.loop.states[-1] if self.loop.states else None
        assert status is None or isinstance(status, UdpStatus)
        return status

    def wait_idle(self, state: UdpState = UdpState.IDLE) -> UdpStatus:
        """Wait until the last start has ended in a state other than SENDING."""
        self.loop.wait_for(
            lambda: (
                len(self.loop.states) > self._mark + 1
                and isinstance(self.loop.states[-1], UdpStatus)
                and self.loop.states[-1].state is not UdpState.SENDING
            )
        )
        status = self.status()
        assert status is not None and status.state is state, self.messages()
        return status

    def messages(self, kind: Kind | None = None) -> list[str]:
        return [e.message for e in self.loop.events if kind is None or e.kind is kind]


@pytest.fixture
def probe(loop: ReactorThread) -> Probe:
    return Probe(loop)


@pytest.mark.parametrize("family", FAMILIES)
def test_one_datagram_arrives(probe: Probe, family: int) -> None:
    with UdpReceiver(family) as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=HELLO)
        assert receiver.wait_for(lambda: receiver.count == 1)
        probe.wait_idle()
    assert receiver.datagrams == [HELLO]
    [sent] = probe.loop.of_kind(Kind.SENT)
    assert (sent.data, sent.size) == (HELLO, len(HELLO))
    peer = f"[::1]:{receiver.port}" if family == socket.AF_INET6 else f"127.0.0.1:{receiver.port}"
    assert sent.peer == peer
    assert probe.messages(Kind.ERROR) == []
    assert probe.sender._sock is None  # not listening: nothing stays open


def test_exact_bytes_of_a_binary_payload(probe: Probe) -> None:
    payload = bytes(range(256))
    with UdpReceiver() as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=payload)
        assert receiver.wait_for(lambda: receiver.count == 1)
    assert receiver.datagrams == [payload]


def send_a_thousand(probe: Probe, family: int = socket.AF_INET) -> list[LogEvent]:
    """A run of 1,000 hellos that all arrive; the SENT events it logged."""
    with UdpReceiver(family) as receiver:
        # Loopback drops what does not fit the receiver's buffer; where the kernel grants
        # a small one, pace the run so the reader thread keeps up.
        interval = 0.0 if receiver.rcvbuf >= 2 * 1024 * 1024 else 0.001
        probe.start(
            host=receiver.host, port=receiver.port, data=HELLO, count=1000, interval=interval
        )
        probe.wait_idle()
        assert receiver.wait_for(lambda: receiver.count >= 1000)
        assert (receiver.count, receiver.bytes) == (1000, 14_000)
    sent = probe.loop.of_kind(Kind.SENT)
    assert len(sent) == 1000 and sum(e.size for e in sent) == 14_000
    return sent


@pytest.mark.parametrize("family", FAMILIES)
def test_a_thousand_at_full_speed_all_arrive_and_are_counted(probe: Probe, family: int) -> None:
    send_a_thousand(probe, family)
    assert any(m.startswith("Sent 1,000 datagrams (14,000 bytes)") for m in probe.messages())
    last = probe.progress[-1]
    assert (last.run_sent, last.run_total, last.sent, last.sent_bytes) == (1000, 1000, 1000, 14_000)


def test_empty_payload_is_a_zero_byte_datagram(probe: Probe) -> None:
    with UdpReceiver() as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=b"")
        assert receiver.wait_for(lambda: receiver.count == 1)
    assert (receiver.datagrams, receiver.bytes) == ([b""], 0)
    [sent] = probe.loop.of_kind(Kind.SENT)
    assert (sent.size, sent.message) == (0, "0-byte datagram")


def test_echo_replies_are_logged_and_the_socket_stays_open(probe: Probe) -> None:
    with UdpReceiver(echo=True) as echo:
        probe.start(host=echo.host, port=echo.port, data=HELLO, listen=True)
        probe.loop.wait_for(lambda: bool(probe.loop.of_kind(Kind.RECEIVED)))
        status = probe.wait_idle(UdpState.LISTENING)
        [reply] = probe.loop.of_kind(Kind.RECEIVED)
        assert (reply.data, reply.peer) == (HELLO, f"127.0.0.1:{echo.port}")
        assert status.listening and status.local.startswith("127.0.0.1:")
        local_port = int(status.local.rsplit(":", 1)[1])
        assert echo.sources == {("127.0.0.1", local_port)}

        # A second run reuses the socket: the echo sees the same source port.
        probe.start(host=echo.host, port=echo.port, data=b"again", listen=True)
        probe.loop.wait_for(lambda: len(probe.loop.of_kind(Kind.RECEIVED)) == 2)
        assert echo.sources == {("127.0.0.1", local_port)}

        # A refused Send leaves the socket as it was, and the status says so.
        probe.start(host="127.255.255.255", port=echo.port, data=HELLO, listen=True)
        after = probe.wait_idle(UdpState.LISTENING)
        assert (after.peer, after.local) == (status.peer, status.local)

        probe.call(probe.sender.set_listen, False)
        probe.loop.wait_for(lambda: getattr(probe.status(), "state", None) is UdpState.IDLE)
    assert probe.sender._sock is None
    assert probe.progress[-1].received == 2
    assert any(m.startswith("Stopped listening on 127.0.0.1:") for m in probe.messages())


def test_local_port_is_bound_and_in_use_is_refused(probe: Probe) -> None:
    local = free_udp_port()
    with UdpReceiver() as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=HELLO, local_port=local)
        assert receiver.wait_for(lambda: receiver.count == 1)
        assert receiver.sources == {("127.0.0.1", local)}
        probe.wait_idle()

        # Now the receiver's own port is taken: binding it must fail with one line.
        probe.start(host=receiver.host, port=receiver.port, data=HELLO, local_port=receiver.port)
        probe.wait_idle()
        assert probe.messages(Kind.ERROR) == [
            f"Local port {receiver.port} is in use; choose another, or 0 for any"
        ]
    assert len(probe.loop.of_kind(Kind.SENT)) == 1


@NO_ICMP_ON_MACOS
def test_no_listener_is_reported_and_the_socket_stays_usable(probe: Probe) -> None:
    port = free_udp_port()
    probe.start(host="127.0.0.1", port=port, data=HELLO, listen=True)
    probe.loop.wait_for(lambda: bool(probe.messages(Kind.ERROR)))
    assert probe.messages(Kind.ERROR) == [
        f"No listener at 127.0.0.1:{port} (ICMP port unreachable)"
    ]
    assert probe.wait_idle(UdpState.LISTENING).listening
    with UdpReceiver(echo=True) as echo:
        probe.start(host=echo.host, port=echo.port, data=b"still here", listen=True)
        probe.loop.wait_for(lambda: bool(probe.loop.of_kind(Kind.RECEIVED)))
    probe.call(probe.sender.release)
    probe.loop.wait_for(lambda: probe.sender._sock is None)


def test_a_run_to_a_closed_port_keeps_going_and_coalesces_the_errors(probe: Probe) -> None:
    port = free_udp_port()
    probe.start(host="127.0.0.1", port=port, data=HELLO, count=3000)
    probe.wait_idle()
    errors = probe.messages(Kind.ERROR)
    # Each ICMP error is consumed by one send that is then retried, never counted.
    assert len(probe.loop.of_kind(Kind.SENT)) == 3000
    assert 1 <= len(errors) <= 3, errors
    assert all(
        m.startswith(f"No listener at 127.0.0.1:{port} (ICMP port unreachable)") for m in errors
    )


@pytest.mark.parametrize(
    ("family", "limit"),
    [
        pytest.param(socket.AF_INET, IPV4_MAX_PAYLOAD, id="ipv4"),
        pytest.param(socket.AF_INET6, IPV6_MAX_PAYLOAD, id="ipv6"),
    ],
)
def test_oversize_is_refused_and_the_limit_itself_goes(
    probe: Probe, family: int, limit: int
) -> None:
    with UdpReceiver(family) as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=b"x" * (limit + 1))
        probe.wait_idle()
        version = "IPv6" if family == socket.AF_INET6 else "IPv4"
        assert probe.messages(Kind.ERROR) == [
            f"Payload of {limit + 1:,} bytes is too large for one UDP datagram over {version} "
            f"(max {limit:,} bytes); nothing sent"
        ]
        probe.start(host=receiver.host, port=receiver.port, data=b"y" * limit)
        assert receiver.wait_for(lambda: receiver.count == 1)
    assert receiver.bytes == limit
    assert len(probe.loop.of_kind(Kind.SENT)) == 1


@pytest.mark.parametrize("host", ["127.255.255.255", "255.255.255.255"])
def test_broadcast_needs_the_option(probe: Probe, host: str) -> None:
    # Refused before a socket exists: nothing is sent anywhere.
    probe.start(host=host, port=9, data=HELLO)
    probe.wait_idle()
    [error] = probe.messages(Kind.ERROR)
    assert error.startswith(f"{host} looks like a broadcast address: tick “Allow broadcast”")
    assert probe.loop.of_kind(Kind.SENT) == []


def test_broadcast_heuristic() -> None:
    assert looks_like_broadcast("255.255.255.255")
    assert looks_like_broadcast("192.168.1.255")
    assert not looks_like_broadcast("192.168.1.1")
    assert not looks_like_broadcast("::1")
    assert not looks_like_broadcast("example.com")


def test_unresolvable_name(probe: Probe) -> None:
    probe.start(host="no-such-host.invalid", port=9, data=HELLO)
    probe.wait_idle()
    [error] = probe.messages(Kind.ERROR)
    assert error.startswith("Cannot resolve 'no-such-host.invalid'")


def test_stop_ends_a_long_run_promptly(probe: Probe) -> None:
    with UdpReceiver() as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=HELLO, count=10_000_000)
        probe.loop.wait_for(lambda: len(probe.loop.of_kind(Kind.SENT)) >= 5000)
        asked = time.monotonic()
        probe.call(probe.sender.stop)
        probe.wait_idle()
        took = time.monotonic() - asked
    sent = len(probe.loop.of_kind(Kind.SENT))
    assert 5000 <= sent < 10_000_000
    assert f"Stopped after {sent:,} of 10,000,000 datagrams" in probe.messages(Kind.INFO)[-1]
    assert probe.progress[-1].run_sent == sent
    assert took < 5  # generous: the loop sees Stop between bursts of a few milliseconds


def test_a_second_start_during_a_run_is_refused(probe: Probe) -> None:
    with UdpReceiver() as receiver:
        probe.start(host=receiver.host, port=receiver.port, data=HELLO, count=10_000_000)
        probe.loop.wait_for(lambda: bool(probe.loop.of_kind(Kind.SENT)))
        probe.start(host=receiver.host, port=receiver.port, data=b"other", mark=False)
        probe.loop.wait_for(lambda: bool(probe.messages(Kind.ERROR)))
        probe.call(probe.sender.stop)
        probe.wait_idle()
    assert probe.messages(Kind.ERROR) == ["A run is in progress: stop it first; nothing was sent"]
    assert {e.data for e in probe.loop.of_kind(Kind.SENT)} == {HELLO}


@pytest.mark.parametrize("family", FAMILIES)
def test_listening_hears_any_source_not_only_the_destination(probe: Probe, family: int) -> None:
    # Devices often answer from another port (or another program sends to ours): the
    # listening socket must not be connected to the destination, which would filter them.
    local = free_udp_port(family)
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    with UdpReceiver(family) as destination:
        probe.start(
            host=destination.host, port=destination.port, data=HELLO, local_port=local, listen=True
        )
        assert destination.wait_for(lambda: destination.count == 1)
        probe.wait_idle(UdpState.LISTENING)
        with socket.socket(family, socket.SOCK_DGRAM) as third:
            third.bind((host, 0))
            third.sendto(b"from elsewhere", (host, local))
            third_port = third.getsockname()[1]
            probe.loop.wait_for(lambda: bool(probe.loop.of_kind(Kind.RECEIVED)))
    [reply] = probe.loop.of_kind(Kind.RECEIVED)
    source = f"[::1]:{third_port}" if family == socket.AF_INET6 else f"127.0.0.1:{third_port}"
    assert (reply.data, reply.peer, reply.size) == (b"from elsewhere", source, 14)
    assert probe.messages(Kind.ERROR) == []


@NO_ICMP_ON_MACOS
@pytest.mark.parametrize("family", FAMILIES)
def test_no_listener_is_reported_while_listening_and_names_the_destination(
    probe: Probe, family: int
) -> None:
    # tests/hardening/catalogue.md row 16 on the unconnected socket: the ICMP error
    # still surfaces.
    port = free_udp_port(family)
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    probe.start(host=host, port=port, data=HELLO, count=50, listen=True)
    probe.wait_idle(UdpState.LISTENING)
    probe.loop.wait_for(lambda: bool(probe.messages(Kind.ERROR)))
    peer = f"[::1]:{port}" if family == socket.AF_INET6 else f"127.0.0.1:{port}"
    errors = probe.messages(Kind.ERROR)
    assert errors[0].startswith(f"No listener at {peer} (ICMP port unreachable)"), errors
    assert {e.peer for e in probe.loop.of_kind(Kind.ERROR)} == {peer}
    assert len(probe.loop.of_kind(Kind.SENT)) == 50
    probe.call(probe.sender.release)
    probe.loop.wait_for(lambda: probe.sender._sock is None)


def test_one_datagram_to_a_closed_port_is_reported_without_listening(probe: Probe) -> None:
    port = free_udp_port()
    probe.start(host="127.0.0.1", port=port, data=HELLO)
    probe.wait_idle()
    if HAS_ERROR_QUEUE:  # loopback answers at once; the queue still has it at the end
        assert probe.messages(Kind.ERROR) == [
            f"No listener at 127.0.0.1:{port} (ICMP port unreachable)"
        ]
    assert len(probe.loop.of_kind(Kind.SENT)) == 1


def test_connected_fallback_still_reports_no_listener(
    probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where no error queue exists and nobody listens (macOS), the socket is connected so
    # the kernel reports ICMP errors to it; the run to a closed port goes on.
    monkeypatch.setattr(udp_sender, "CONNECT_WHEN_NOT_LISTENING", True)
    port = free_udp_port()
    probe.start(host="127.0.0.1", port=port, data=HELLO, count=200)
    probe.wait_idle()
    assert len(probe.loop.of_kind(Kind.SENT)) == 200
    errors = probe.messages(Kind.ERROR)
    assert errors and all(
        m.startswith(f"No listener at 127.0.0.1:{port} (ICMP port unreachable)") for m in errors
    )
