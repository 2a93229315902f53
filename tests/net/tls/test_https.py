"""The HTTP server with TLS against real clients: curl, Python ssl, plain HTTP, Chromium."""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.events import Kind
from app.net.http.status import ServerState
from app.net.tls.https import PLAIN_HTTP_REPLY, handshake_failure
from app.net.tls.options import ServerTlsOptions
from app.net.tls.transport import PlaintextClient
from tests.net.http.test_harness import RunningServer, read_until_close


class HttpsServer(RunningServer):
    def __init__(self, folder: Path) -> None:
        self.tls = ServerTlsOptions(folder=str(folder))
        self.pem = folder / "tls-self-signed.pem"
        super().__init__()

    def start(self, port: int) -> int:
        before = len(self.loop.states)
        self.loop.reactor.call_soon(self.server.start, self.host, port, self.tls)
        self.loop.wait_for(lambda: len(self.loop.states) > before)
        status = self.last_status()
        assert status.state is ServerState.RUNNING, status.error
        return status.port

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.pem))


@pytest.fixture
def https(tmp_path: Path) -> Iterator[HttpsServer]:
    server = HttpsServer(tmp_path)
    yield server
    server.loop.stop()


def test_the_url_is_https_and_the_fingerprint_is_shown(https: HttpsServer) -> None:
    status = https.last_status()
    assert status.url == f"https://127.0.0.1:{https.port}/"
    assert status.tls_fingerprint and any(status.tls_fingerprint in m for m in https.messages())


def test_keep_alive_requests_over_one_tls_connection(https: HttpsServer) -> None:
    conn = http.client.HTTPSConnection("localhost", https.port, context=https.context(), timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/")
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"Hello, client!")
    finally:
        conn.close()
    https.loop.wait_for(lambda: len([m for m in https.messages() if m.startswith("GET /")]) == 3)


@pytest.mark.parametrize("trust", ["--cacert", "-k"])
def test_curl(https: HttpsServer, trust: str) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    args = [curl, "-sS", "--max-time", "20"]
    args += ["--cacert", str(https.pem)] if trust == "--cacert" else ["-k"]
    host = "localhost" if trust == "--cacert" else "127.0.0.1"
    result = subprocess.run(
        [*args, f"https://{host}:{https.port}/"], capture_output=True, timeout=30, check=False
    )
    assert result.stdout == b"Hello, client!", result.stderr


def test_curl_without_trust_fails_and_the_server_says_why(https: HttpsServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    result = subprocess.run(
        [curl, "-sS", "--max-time", "20", f"https://localhost:{https.port}/"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    https.loop.wait_for(lambda: bool(https.loop.of_kind(Kind.ERROR)))
    [error] = https.loop.of_kind(Kind.ERROR)
    assert error.message.startswith(f"TLS handshake with {error.peer} failed: the peer ")
    assert error.peer.startswith("127.0.0.1:")


def test_plain_http_to_the_https_port_gets_a_plain_400(https: HttpsServer) -> None:
    with socket.create_connection(("127.0.0.1", https.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = read_until_close(sock, 10)
    assert answer == PLAIN_HTTP_REPLY
    assert answer.startswith(b"HTTP/1.1 400 ") and b"https://" in answer
    https.loop.wait_for(lambda: bool(https.loop.of_kind(Kind.ERROR)))
    [error] = https.loop.of_kind(Kind.ERROR)
    assert error.message == (
        f"Plain HTTP from {error.peer} on the HTTPS port ('GET / HTTP/1.1'): "
        "answered 400 and closed"
    )


def test_handshake_failure_words() -> None:
    plain = PlaintextClient("x", b"POST /a HTTP/1.1\r\n")
    assert handshake_failure("127.0.0.1:5", plain) == (
        "Plain HTTP from 127.0.0.1:5 on the HTTPS port ('POST /a HTTP/1.1'): "
        "answered 400 and closed"
    )
    assert handshake_failure("[::1]:7", OSError("why")) == "TLS handshake with [::1]:7 failed: why"


@pytest.mark.browser
def test_headless_chromium_reads_hello_over_https(https: HttpsServer, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         f"https://127.0.0.1:{https.port}/"],
        capture_output=True,
        timeout=90,
        check=False,
    )  # fmt: skip
    assert b"Hello, client!" in result.stdout, result.stderr[-2000:]
