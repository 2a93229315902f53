"""TcpClient against real peers on loopback, without Qt."""

from __future__ import annotations

import os
import socket

import pytest

from app.net.events import Kind
from app.net.tcp.client import TcpClient
from app.net.tcp.status import TcpState, TcpStatus
from app.payload import PayloadFormat, compile_message
from app.payload.checksums import crc16_modbus
from tests.net.reactor_harness import ReactorThread
from tests.peers import CloseAtOnceServer, EchoServer, SinkServer, _ThreadedServer, free_port


class SendThenCloseServer(_ThreadedServer):
    """Sends its words, then closes the connection (FIN) without reading."""

    def __init__(self, words: bytes) -> None:
        super().__init__()
        self.words = words

    def serve(self, conn: socket.socket) -> None:
        conn.sendall(self.words)
        conn.shutdown(socket.SHUT_WR)


def make_client(loop: ReactorThread) -> TcpClient:
    client = TcpClient(loop.reactor, loop.sink, loop.on_state)
    loop.closers.append(client.close)
    return client


def last_state(loop: ReactorThread) -> TcpState | None:
    if not loop.states:
        return None
    status = loop.states[-1]
    assert isinstance(status, TcpStatus)
    return status.state


def connect(loop: ReactorThread, client: TcpClient, host: str, port: int) -> None:
    loop.reactor.call_soon(client.connect, host, port, 5.0)
    loop.wait_for(lambda: last_state(loop) in (TcpState.CONNECTED, TcpState.DISCONNECTED))


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_echo_round_trip(loop: ReactorThread, family: int) -> None:
    with EchoServer(family) as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        assert last_state(loop) is TcpState.CONNECTED
        loop.reactor.call_soon(client.send, b"Hello, server!")
        loop.wait_for(lambda: loop.received() == b"Hello, server!")
        sent = loop.of_kind(Kind.SENT)
        assert [e.data for e in sent] == [b"Hello, server!"]
        assert sent[0].size == 14
        loop.reactor.call_soon(client.disconnect)
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
        assert any("Disconnected from" in e.message for e in loop.of_kind(Kind.INFO))


def test_refused(loop: ReactorThread) -> None:
    port = free_port()
    client = make_client(loop)
    connect(loop, client, "127.0.0.1", port)
    assert last_state(loop) is TcpState.DISCONNECTED
    errors = loop.of_kind(Kind.ERROR)
    assert len(errors) == 1
    assert errors[0].message == f"Connection refused: 127.0.0.1:{port}"


def test_unresolvable_name(loop: ReactorThread) -> None:
    client = make_client(loop)
    connect(loop, client, "no-such-host.invalid", 8000)
    assert last_state(loop) is TcpState.DISCONNECTED
    [error] = loop.of_kind(Kind.ERROR)
    assert error.message.startswith("Cannot resolve 'no-such-host.invalid'")


def test_connect_timeout_and_backlog_full(loop: ReactorThread) -> None:
    # A listener whose accept queue is full drops further SYNs: the connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        client = make_client(loop)
        loop.reactor.call_soon(client.connect, "127.0.0.1", port, 0.3)
        loop.wait_for(lambda: bool(loop.of_kind(Kind.ERROR)) or len(loop.states) >= 2)
        messages = [e.message for e in loop.events]
        if last_state(loop) is TcpState.CONNECTED:
            pytest.skip("this kernel accepted past the backlog; no timeout to observe")
        assert f"Connection to 127.0.0.1:{port} timed out after 0.3 s" in messages
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_cancel_while_connecting(loop: ReactorThread) -> None:
    client = make_client(loop)

    def connect_then_cancel() -> None:
        # In one loop turn, so the cancel always finds the attempt under way (posted as
        # two commands, a loaded machine could let the connect finish in between).
        client.connect(server.host, server.port, 5.0)
        client.disconnect()

    with EchoServer() as server:
        loop.reactor.call_soon(connect_then_cancel)
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
    [info] = [e for e in loop.of_kind(Kind.INFO) if "cancelled" in e.message]
    assert info.message == f"Connection attempt to 127.0.0.1:{server.port} cancelled"
    assert loop.of_kind(Kind.ERROR) == []
    assert not any(e.message.startswith("Connected to") for e in loop.events)


def test_peer_close_logs_what_it_sent_then_disconnects(loop: ReactorThread) -> None:
    """Defect 1: by default the peer's end of stream ends the connection."""
    with SendThenCloseServer(b"last words") as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        loop.wait_for(lambda: last_state(loop) is TcpState.DISCONNECTED)
    assert loop.received() == b"last words"
    messages = [e.message for e in loop.events]
    closed = "Peer closed the connection (sent 0 B, received 10 B)"
    # Everything the peer sent is logged before the line that says it closed.
    assert messages.index(closed) > max(
        i for i, e in enumerate(loop.events) if e.kind is Kind.RECEIVED
    )
    assert loop.of_kind(Kind.ERROR) == []
    status = loop.states[-1]
    assert isinstance(status, TcpStatus) and status.peer_finished
    # Sending after that is refused with one line, not attempted on a dead socket.
    loop.reactor.call_soon(client.send, b"late")
    loop.wait_for(lambda: bool(loop.of_kind(Kind.ERROR)))
    assert [e.message for e in loop.of_kind(Kind.ERROR)] == ["Not connected: nothing was sent"]


def test_peer_closes_at_once_with_half_close(loop: ReactorThread) -> None:
    with CloseAtOnceServer() as server:
        client = make_client(loop)
        loop.reactor.call_soon(client.connect, server.host, server.port, 5.0, True)
        loop.wait_for(lambda: any("finished sending" in e.message for e in loop.events))
        status = loop.states[-1]
        assert isinstance(status, TcpStatus) and status.peer_finished
        assert status.state is TcpState.CONNECTED
        # The peer is gone: the first send may still leave (the peer answers it with a
        # reset); a later one fails, with one error line, and the client disconnects.
        for attempt in range(1, 6):
            loop.reactor.call_soon(client.send, b"x" * 65536)
            loop.wait_for(
                lambda n=attempt: (
                    len(loop.of_kind(Kind.SENT)) == n or last_state(loop) is TcpState.DISCONNECTED
                )
            )
            if last_state(loop) is TcpState.DISCONNECTED:
                break
        assert last_state(loop) is TcpState.DISCONNECTED
        [error] = loop.of_kind(Kind.ERROR)
        assert "Connection" in error.message and "not sent" in error.message


def test_connected_event_carries_the_local_address(loop: ReactorThread) -> None:
    with EchoServer() as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        [connected] = [e for e in loop.events if e.message.startswith("Connected to")]
        assert connected.local.startswith("127.0.0.1:")
        assert connected.message.endswith(f"from {connected.local}")
        loop.reactor.call_soon(client.send, b"ping")
        loop.wait_for(lambda: loop.received() == b"ping")
        assert {e.local for e in loop.of_kind(Kind.SENT) + loop.of_kind(Kind.RECEIVED)} == {
            connected.local
        }


def test_ten_megabytes_arrive_whole(loop: ReactorThread) -> None:
    payload = os.urandom(10 * 1024 * 1024)
    with SinkServer() as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        loop.reactor.call_soon(client.send, payload)
        loop.wait_for(lambda: bool(loop.of_kind(Kind.SENT)))
        loop.reactor.call_soon(client.disconnect)
        assert server.finished.wait(10)
        assert bytes(server.received) == payload
    [sent] = loop.of_kind(Kind.SENT)
    assert sent.size == len(payload)


def test_receives_continuously(loop: ReactorThread) -> None:
    with EchoServer() as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        chunks = [bytes([i]) * 5000 for i in range(50)]
        for chunk in chunks:
            loop.reactor.call_soon(client.send, chunk)
        expected = b"".join(chunks)
        loop.wait_for(lambda: len(loop.received()) >= len(expected))
        assert loop.received() == expected


def test_macros_are_rendered_per_send_and_logged_as_sent(loop: ReactorThread) -> None:
    template = compile_message("01 03 00 {{counter:2}} {{crc16_modbus}}", PayloadFormat.TEXT)
    with SinkServer() as server:
        client = make_client(loop)
        connect(loop, client, server.host, server.port)
        for _ in range(3):
            loop.reactor.call_soon(client.send, template)
        loop.reactor.call_soon(client.send, b"plain")  # counts as the 4th message
        loop.reactor.call_soon(client.send, template)
        bodies = [b"01 03 00 %02d " % n for n in (1, 2, 3, 5)]
        messages = [b + crc16_modbus(b).to_bytes(2, "little") for b in bodies]
        expected = [*messages[:3], b"plain", messages[3]]
        loop.wait_for(lambda: bytes(server.received) == b"".join(expected))
        loop.wait_for(lambda: len(loop.of_kind(Kind.SENT)) == 5)
        assert [e.data for e in loop.of_kind(Kind.SENT)] == expected
    assert client.counter.sent == 5
