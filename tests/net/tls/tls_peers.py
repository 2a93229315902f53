"""Real TLS peers for tests on loopback: trustme certificates, a Python ssl server, openssl.

`Certificates` holds one CA and the leaves the failure tests need, written as PEM files.
`PythonTlsServer` is a blocking `ssl` server in a thread (one client at a time) whose
behaviour per connection is a function. `OpenSslServer` runs `openssl s_server`.
"""

from __future__ import annotations

import datetime
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import trustme

Handler = Callable[[ssl.SSLSocket], None]


class Certificates:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca = trustme.CA(organization_name="Socket Tester Test CA")
        self.ca_pem = self._write("ca.pem", self.ca.cert_pem.bytes())
        self.localhost = self.leaf("localhost.pem", "localhost", "127.0.0.1", "::1")
        self.other = self.leaf("other.pem", "other.example")
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        self.expired = self.leaf(
            "expired.pem", "localhost", "127.0.0.1", not_after=past + datetime.timedelta(days=30)
        )
        self.other_ca = trustme.CA(organization_name="Some Other CA")
        self.untrusted = self._write(
            "untrusted.pem", _pem(self.other_ca.issue_cert("localhost", "127.0.0.1"))
        )
        self.client = self.leaf("client.pem", "client.example")

    def leaf(self, name: str, *hosts: str, not_after: datetime.datetime | None = None) -> Path:
        if not_after is not None:
            cert = self.ca.issue_cert(
                *hosts, not_before=not_after - datetime.timedelta(days=60), not_after=not_after
            )
        else:
            cert = self.ca.issue_cert(*hosts)
        return self._write(name, _pem(cert))

    def self_signed(self) -> Path:
        own = trustme.CA(organization_name="Self")
        # A CA's own certificate presented as the server's: OpenSSL's "self-signed" case.
        key = own.private_key_pem.bytes()
        return self._write("self-signed.pem", own.cert_pem.bytes() + key)

    def server_context(self, pem: Path, **options: object) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(pem))
        if options.get("require_client_cert"):
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=str(self.ca_pem))
        alpn = options.get("alpn")
        if alpn:
            context.set_alpn_protocols(list(alpn))  # type: ignore[call-overload]
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_pem))

    def _write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


def _pem(cert: trustme.LeafCert) -> bytes:
    return b"".join(blob.bytes() for blob in cert.cert_chain_pems) + cert.private_key_pem.bytes()


def echo(conn: ssl.SSLSocket) -> None:
    while data := conn.recv(65536):
        conn.sendall(data)


class PythonTlsServer:
    """A blocking `ssl` server on 127.0.0.1 in a thread; `errors` keeps what failed."""

    def __init__(self, context: ssl.SSLContext, handler: Handler = echo) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._context = context
        self._handler = handler
        self.errors: list[BaseException] = []
        self.handshakes = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(10)
            try:
                with self._context.wrap_socket(raw, server_side=True) as conn:
                    self.handshakes += 1
                    self._handler(conn)
            except (OSError, ssl.SSLError) as exc:
                self.errors.append(exc)
            finally:
                raw.close()

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join(5)


class OpenSslServer:
    """`openssl s_server` on 127.0.0.1 with `pem` (certificate and key)."""

    def __init__(self, pem: Path, *extra: str) -> None:
        binary = shutil.which("openssl")
        assert binary is not None, "Debian's openssl is needed (apt-get install openssl)"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                binary,
                "s_server",
                "-accept",
                f"127.0.0.1:{self.port}",
                "-cert",
                str(pem),
                "-key",
                str(pem),
                "-quiet",
                *extra,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _wait_listening(self.port, self.process)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(5)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    pause = threading.Event()
    while time.monotonic() < deadline:
        assert process.poll() is None, "openssl s_server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            pause.wait(0.05)
    raise AssertionError("openssl s_server did not start listening")
