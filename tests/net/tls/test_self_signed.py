"""The generated certificate: strict verification in real loopback handshakes, storage."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.net.tls import self_signed
from app.net.tls.certificate import CertificateRequest, build_self_signed
from app.net.tls.self_signed import FILE_NAME, SelfSignedIdentity, ensure_self_signed

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def strict_client(ca_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_verify_locations(cafile=ca_file)
    return context


def handshake(pem_path: Path, bind: str, server_hostname: str) -> dict[str, object]:
    """A real TLS handshake on loopback: a Python ssl server with the certificate, a strict
    client that trusts only it; returns the server certificate as the client decoded it."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pem_path)
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.settimeout(10)
    listener.bind((bind, 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    server_errors: list[BaseException] = []

    def serve() -> None:
        try:
            connection, _ = listener.accept()
            connection.settimeout(10)
            with server_context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(b"hello over tls")
        except (OSError, ssl.SSLError) as error:
            server_errors.append(error)

    server = threading.Thread(target=serve)
    server.start()
    try:
        with socket.create_connection((bind, port), timeout=10) as raw:
            context = strict_client(pem_path)
            with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
                assert tls.recv(100) == b"hello over tls"
                peer = tls.getpeercert()
                assert peer is not None
                return dict(peer)
    finally:
        server.join(10)
        listener.close()


@pytest.fixture
def identity(tmp_path: Path) -> SelfSignedIdentity:
    return ensure_self_signed(tmp_path / "settings")


@pytest.mark.parametrize(
    ("bind", "server_hostname"),
    [("127.0.0.1", "localhost"), ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("::1", "localhost")],
)
def test_strict_verification_passes_for_each_name(
    identity: SelfSignedIdentity, bind: str, server_hostname: str
) -> None:
    assert strict_client(identity.pem_path).verify_flags & ssl.VERIFY_X509_STRICT
    peer = handshake(identity.pem_path, bind, server_hostname)
    names = peer["subjectAltName"]
    assert ("DNS", "localhost") in names
    assert ("IP Address", "127.0.0.1") in names
    assert any(
        kind == "IP Address" and value in ("::1", "0:0:0:0:0:0:0:1") for kind, value in names
    )


def test_another_name_is_refused(identity: SelfSignedIdentity) -> None:
    # The handshake above is a real check: a name the certificate is not for fails it.
    with pytest.raises(ssl.SSLCertVerificationError, match=r"Hostname mismatch"):
        handshake(identity.pem_path, "127.0.0.1", "other.example")


def test_validity_is_at_most_825_days_and_current(identity: SelfSignedIdentity) -> None:
    peer = handshake(identity.pem_path, "127.0.0.1", "localhost")
    not_before = ssl.cert_time_to_seconds(str(peer["notBefore"]))
    not_after = ssl.cert_time_to_seconds(str(peer["notAfter"]))
    assert not_after - not_before <= 825 * 86400
    assert not_after - not_before >= 365 * 86400
    assert not_before < datetime.now(UTC).timestamp() < not_after
    assert identity.not_after.timestamp() == not_after


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_strict_verify_checks_the_signature(identity: SelfSignedIdentity) -> None:
    # -check_ss_sig: OpenSSL does not check a trust anchor's own signature otherwise.
    pem = str(identity.pem_path)
    command = ["openssl", "verify", "-x509_strict", "-check_ss_sig", "-purpose", "sslserver"]
    result = subprocess.run(
        [*command, "-CAfile", pem, pem], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert fingerprint.strip().split("=", 1)[1] == identity.fingerprint_sha256


@POSIX_ONLY
def test_file_is_owner_only_from_its_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes_while_writing: list[int] = []
    real_fsync = os.fsync

    def observing_fsync(descriptor: int) -> None:
        modes_while_writing.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        real_fsync(descriptor)

    monkeypatch.setattr(self_signed.os, "fsync", observing_fsync)
    previous = os.umask(0)  # a permissive umask must not widen the key's file
    try:
        identity = ensure_self_signed(tmp_path / "settings")
    finally:
        os.umask(previous)
    assert modes_while_writing == [0o600]
    assert stat.S_IMODE(identity.pem_path.stat().st_mode) == 0o600
    assert [p.name for p in identity.pem_path.parent.iterdir()] == [FILE_NAME]


def test_reused_between_runs(identity: SelfSignedIdentity) -> None:
    content = identity.pem_path.read_bytes()
    again = ensure_self_signed(identity.pem_path.parent)
    assert identity.created and identity.reason
    assert not again.created and again.reason == ""
    assert again.fingerprint_sha256 == identity.fingerprint_sha256
    assert again.not_after == identity.not_after
    assert identity.pem_path.read_bytes() == content


def test_two_servers_starting_at_once_share_one_certificate(tmp_path: Path) -> None:
    barrier = threading.Barrier(4)
    results: list[SelfSignedIdentity] = []

    def start() -> None:
        barrier.wait(10)
        results.append(ensure_self_signed(tmp_path))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len({r.fingerprint_sha256 for r in results}) == 1
    assert sum(r.created for r in results) == 1


@pytest.mark.parametrize("damage", [b"", b"not a certificate\n", "truncate", "drop key"])
def test_damaged_file_is_regenerated(identity: SelfSignedIdentity, damage: bytes | str) -> None:
    content = identity.pem_path.read_bytes()
    if damage == "truncate":
        damaged = content[: len(content) // 3]
    elif damage == "drop key":
        damaged = content[: content.index(b"-----BEGIN PRIVATE KEY-----")]
    else:
        assert isinstance(damage, bytes)
        damaged = damage
    identity.pem_path.write_bytes(damaged)
    renewed = ensure_self_signed(identity.pem_path.parent)
    assert renewed.created
    assert "damaged" in renewed.reason
    assert renewed.fingerprint_sha256 != identity.fingerprint_sha256
    handshake(renewed.pem_path, "127.0.0.1", "localhost")


def _store_certificate(folder: Path, not_before: datetime, not_after: datetime) -> Path:
    request = CertificateRequest("localhost", "test", ("localhost",), (), not_before, not_after)
    path = folder / FILE_NAME
    path.write_bytes(build_self_signed(request).pem)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(
    ("ends_in", "words"), [(timedelta(days=-1), "expired on"), (timedelta(days=5), "expires on")]
)
def test_expired_or_nearly_expired_is_regenerated(
    tmp_path: Path, ends_in: timedelta, words: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _store_certificate(tmp_path, now - timedelta(days=400), now + ends_in)
    renewed = ensure_self_signed(tmp_path)
    assert renewed.created
    assert words in renewed.reason
    assert f"{now + ends_in:%Y-%m-%d}" in renewed.reason
    assert renewed.not_after - now > timedelta(days=800)


def test_not_yet_valid_is_regenerated(tmp_path: Path) -> None:
    # Made before the clock was set back.
    now = datetime.now(UTC).replace(microsecond=0)
    _store_certificate(tmp_path, now + timedelta(days=2), now + timedelta(days=400))
    renewed = ensure_self_signed(tmp_path)
    assert renewed.created
    assert f"valid only from {now + timedelta(days=2):%Y-%m-%d}" in renewed.reason
    handshake(renewed.pem_path, "127.0.0.1", "localhost")


@POSIX_ONLY
def test_file_readable_by_others_is_regenerated(identity: SelfSignedIdentity) -> None:
    identity.pem_path.chmod(0o644)
    renewed = ensure_self_signed(identity.pem_path.parent)
    assert renewed.created
    assert "other users" in renewed.reason
    assert stat.S_IMODE(renewed.pem_path.stat().st_mode) == 0o600


def test_generation_is_fast(tmp_path: Path) -> None:
    # Pure-Python P-256: a few milliseconds on a desktop; this bounds a loaded CI machine.
    started = datetime.now(UTC)
    ensure_self_signed(tmp_path)
    assert datetime.now(UTC) - started < timedelta(seconds=2)
