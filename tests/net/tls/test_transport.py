"""TlsTransport under a Stream against real TLS peers on loopback (Python ssl, openssl)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.outgoing import BytesMessage
from app.net.stream import Stream
from app.net.tls.transport import PlaintextClient, TlsError, TlsTransport
from tests.net.reactor_harness import ReactorThread
from tests.net.test_stream import Recorder, in_loop
from tests.net.tls.tls_peers import Certificates, PythonTlsServer

MB = 1024 * 1024


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs: Certificates) -> Iterator[PythonTlsServer]:
    made = PythonTlsServer(certs.server_context(certs.localhost))
    yield made
    made.close()


def tls_stream(
    loop: ReactorThread, port: int, context: ssl.SSLContext, recorder: Recorder
) -> tuple[Stream, TlsTransport, list[TlsTransport]]:
    sock = socket.create_connection(("127.0.0.1", port))
    done: list[TlsTransport] = []
    box: list[tuple[Stream, TlsTransport]] = []

    def make() -> None:
        def finished(transport: TlsTransport) -> None:
            done.append(transport)
            loop.on_state("handshake")

        transport = TlsTransport(
            sock, context, server_side=False, server_hostname="localhost", on_handshake=finished
        )
        box.append((Stream(loop.reactor, sock, recorder, transport=transport), transport))

    in_loop(loop, make)
    stream, transport = box[0]
    loop.closers.append(stream.close)
    return stream, transport, done


def test_handshake_then_echo_of_a_large_message(
    loop: ReactorThread, certs: Certificates, server: PythonTlsServer
) -> None:
    recorder = Recorder(loop)
    stream, transport, done = tls_stream(loop, server.port, certs.client_context(), recorder)
    loop.wait_for(lambda: bool(done))
    # Read in the loop thread: the SSLObject is the loop's, and while it takes TLS 1.3
    # session tickets after the handshake, another thread's version() may say None.
    versions: list[str | None] = []
    in_loop(loop, lambda: versions.append(transport.ssl_object.version()))
    assert versions[0] in ("TLSv1.3", "TLSv1.2")
    payload = bytes(range(256)) * (4 * MB // 256)
    in_loop(loop, lambda: (stream.write(BytesMessage(payload)), stream.flush()))
    loop.wait_for(lambda: len(recorder.data) >= len(payload))
    assert bytes(recorder.data) == payload
    # Counters count plaintext, not records.
    assert stream.bytes_sent == stream.bytes_received == len(payload)
    assert recorder.drains >= 1


def test_verification_failure_is_one_failure_with_the_reason(
    loop: ReactorThread, certs: Certificates, server: PythonTlsServer
) -> None:
    recorder = Recorder(loop)
    tls_stream(loop, server.port, ssl.create_default_context(), recorder)
    loop.wait_for(lambda: recorder.failure is not None)
    assert recorder.failure is not None
    assert isinstance(recorder.failure.error, TlsError)
    assert recorder.failure.reason == "certificate signed by an unknown CA: add its CA file"


def test_peer_closing_without_close_notify_is_truncation(
    loop: ReactorThread, certs: Certificates
) -> None:
    def abrupt(conn: ssl.SSLSocket) -> None:
        conn.sendall(b"last words")
        # Close the TCP socket under TLS: no close_notify.
        socket.socket(fileno=conn.detach()).close()

    server = PythonTlsServer(certs.server_context(certs.localhost), abrupt)
    try:
        recorder = Recorder(loop)
        _, transport, _ = tls_stream(loop, server.port, certs.client_context(), recorder)
        loop.wait_for(lambda: recorder.eof)
        assert bytes(recorder.data) == b"last words"
        assert transport.truncated and not transport.close_notify_received
        assert recorder.failure is None
    finally:
        server.close()


def test_close_notify_from_the_peer_is_a_clean_end(
    loop: ReactorThread, certs: Certificates
) -> None:
    def polite(conn: ssl.SSLSocket) -> None:
        conn.sendall(b"bye")
        conn.unwrap()

    server = PythonTlsServer(certs.server_context(certs.localhost), polite)
    try:
        recorder = Recorder(loop)
        _, transport, _ = tls_stream(loop, server.port, certs.client_context(), recorder)
        loop.wait_for(lambda: recorder.eof)
        assert bytes(recorder.data) == b"bye"
        assert transport.close_notify_received and not transport.truncated
    finally:
        server.close()


def test_half_close_sends_close_notify_and_keeps_reading(
    loop: ReactorThread, certs: Certificates
) -> None:
    got: list[bytes] = []

    def read_all_then_answer(conn: ssl.SSLSocket) -> None:
        data = b""
        while chunk := conn.recv(65536):  # b"" once our close_notify arrives
            data += chunk
        got.append(data)
        conn.sendall(b"after your close_notify: " + str(len(data)).encode())

    server = PythonTlsServer(certs.server_context(certs.localhost), read_all_then_answer)
    try:
        recorder = Recorder(loop)
        stream, _, done = tls_stream(loop, server.port, certs.client_context(), recorder)
        loop.wait_for(lambda: bool(done))
        in_loop(loop, lambda: (stream.write(BytesMessage(b"x" * 100_000)), stream.flush()))
        in_loop(loop, stream.shutdown_write)
        loop.wait_for(lambda: b"100000" in recorder.data)
        assert got == [b"x" * 100_000]
    finally:
        server.close()


def test_server_side_handshake_with_a_python_client(
    loop: ReactorThread, certs: Certificates, tmp_path: Path
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    answers: list[bytes] = []

    def client() -> None:
        context = certs.client_context()
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as conn,
        ):
            conn.sendall(b"ping")
            answers.append(conn.recv(100))

    thread = threading.Thread(target=client)
    thread.start()
    conn, _ = listener.accept()
    listener.close()
    recorder = Recorder(loop)
    box: list[Stream] = []

    def make() -> None:
        context = certs.server_context(certs.localhost)
        transport = TlsTransport(conn, context, server_side=True)
        box.append(Stream(loop.reactor, conn, recorder, transport=transport))

    in_loop(loop, make)
    loop.closers.append(box[0].close)
    loop.wait_for(lambda: recorder.data == b"ping")
    in_loop(loop, lambda: (box[0].write(BytesMessage(b"pong")), box[0].flush()))
    thread.join(10)
    assert answers == [b"pong"]


def test_plain_text_to_a_tls_server_gets_the_reply_and_fails(
    loop: ReactorThread, certs: Certificates
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    plain = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    listener.close()
    recorder = Recorder(loop)
    box: list[Stream] = []

    def make() -> None:
        context = certs.server_context(certs.localhost)
        transport = TlsTransport(conn, context, server_side=True, plaintext_reply=b"NOPE\n")
        box.append(Stream(loop.reactor, conn, recorder, transport=transport))

    in_loop(loop, make)
    plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    loop.wait_for(lambda: recorder.failure is not None)
    assert recorder.failure is not None
    assert isinstance(recorder.failure.error, PlaintextClient)
    assert "plain text ('GET'" in recorder.failure.reason
    plain.settimeout(5)
    assert plain.recv(100) == b"NOPE\n"
    plain.close()
