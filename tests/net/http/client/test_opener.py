"""Opening connections: TLS to the HTTP Server's generated self-signed certificate with
Verify on (refused, with the reason) and off (works, and the log says it was not checked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.events import Kind
from app.net.http.client.result import Phase
from app.net.tls.client_tls import NOT_VERIFIED
from tests.net.http.client.peers import ClientLoop
from tests.net.tls.test_https import HttpsServer


@pytest.fixture
def https(tmp_path: Path) -> Iterator[HttpsServer]:
    server = HttpsServer(tmp_path)
    yield server
    server.loop.stop()


def test_verify_on_refuses_the_self_signed_certificate(
    client: ClientLoop, https: HttpsServer
) -> None:
    result = client.get(f"https://localhost:{https.port}/")
    assert result.failure is not None and result.failure.phase is Phase.TLS
    assert "self-signed certificate" in result.failure.reason
    (error,) = client.messages(Kind.ERROR)
    assert error.startswith(f"GET https://localhost:{https.port}/ failed during the TLS handshake:")
    assert not client.events(Kind.SENT)


def test_verify_off_works_and_times_the_handshake(client: ClientLoop, https: HttpsServer) -> None:
    url = f"https://localhost:{https.port}/"
    result = client.get(url, verify_tls=False)
    assert result.ok and result.body == b"Hello, client!"
    timing = result.timing
    assert timing.dns_ms is not None and timing.connect_ms is not None
    assert timing.tls_ms is not None and timing.tls_ms > 0
    assert NOT_VERIFIED in client.messages(Kind.ERROR)
    assert any(m.startswith("TLS handshake (SNI localhost)") for m in client.messages(Kind.INFO))
    again = client.get(url, verify_tls=False)
    assert again.reused and again.timing.tls_ms is None
    # Verify is part of the pool's key: a checked request never rides an unchecked one.
    checked = client.get(url)
    assert not checked.reused and checked.failure is not None
