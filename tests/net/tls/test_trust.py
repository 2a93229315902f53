"""Where the client's trusted CAs come from, checked by real loopback handshakes."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from pathlib import Path

import certifi
import pytest

from app.net.tls import trust
from app.net.tls.self_signed import ensure_self_signed

ISRG_ROOT_X1 = (("countryName", "US"),), (("organizationName", "Internet Security Research Group"),)


@pytest.fixture(autouse=True)
def no_openssl_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def client_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, checks the host name


def subjects(context: ssl.SSLContext) -> list[tuple[tuple[tuple[str, str], ...], ...]]:
    return [cert["subject"] for cert in context.get_ca_certs()]  # type: ignore[misc]


def has_isrg_root(context: ssl.SSLContext) -> bool:
    return any(subject[:2] == ISRG_ROOT_X1 for subject in subjects(context))


def connect(context: ssl.SSLContext, pem_path: Path) -> None:
    """A real handshake with a loopback Python ssl server presenting `pem_path`."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pem_path)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)

        def serve() -> None:
            try:
                connection, _ = listener.accept()
                connection.settimeout(10)
                with server_context.wrap_socket(connection, server_side=True) as tls:
                    tls.sendall(b"trusted")
            except (OSError, ssl.SSLError):
                pass  # the client's failure is what the test looks at

        server = threading.Thread(target=serve)
        server.start()
        try:
            port = listener.getsockname()[1]
            with (
                socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
                context.wrap_socket(raw, server_hostname="localhost") as tls,
            ):
                assert tls.recv(10) == b"trusted"
        finally:
            server.join(10)


def test_linux_uses_the_distribution_bundle() -> None:
    present = [path for path in trust.SYSTEM_CA_FILES if os.path.isfile(path)]
    if not present:
        pytest.skip("this system keeps no CA bundle in a known place")
    context = client_context()
    source = trust.load_system_trust(context, platform="linux")
    assert source.startswith(f"system CA file {present[0]}, ")
    count = int(source.rsplit(", ", 1)[1].split()[0].replace(",", ""))
    assert count == context.cert_store_stats()["x509"] > 50
    assert has_isrg_root(context)


def test_without_a_system_bundle_certifi_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the frozen program finds on a system that keeps its CAs nowhere known.
    monkeypatch.setattr(trust, "SYSTEM_CA_FILES", ("/nonexistent/ca.pem",))
    context = client_context()
    source = trust.load_system_trust(context, platform="linux")
    assert source.startswith(f"certifi {certifi.__version__} (Mozilla's CA set), ")
    assert context.cert_store_stats()["x509_ca"] > 50
    assert has_isrg_root(context)


def test_macos_uses_certifi() -> None:
    context = client_context()
    assert trust.load_system_trust(context, platform="darwin").startswith("certifi ")
    assert has_isrg_root(context)


def test_system_trust_does_not_trust_a_self_signed_server(tmp_path: Path) -> None:
    identity = ensure_self_signed(tmp_path)
    context = client_context()
    trust.load_system_trust(context)
    with pytest.raises(ssl.SSLCertVerificationError, match=r"self[- ]signed certificate"):
        connect(context, identity.pem_path)


def test_ssl_cert_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = ensure_self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(identity.pem_path))
    context = client_context()
    source = trust.load_system_trust(context)
    assert source.startswith(f"SSL_CERT_FILE {identity.pem_path}")
    connect(context, identity.pem_path)
    assert not has_isrg_root(context)


def test_an_unreadable_ssl_cert_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(OSError):
        trust.load_system_trust(client_context())


def test_ssl_cert_dir_is_looked_up_on_demand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    source = trust.load_system_trust(client_context())
    assert source == f"SSL_CERT_DIR {tmp_path} (a folder: read when a certificate is looked up)"


def test_the_count_is_what_this_call_added(tmp_path: Path) -> None:
    context = client_context()
    context.load_verify_locations(cafile=certifi.where())
    before = context.cert_store_stats()["x509_ca"]
    source = trust.load_system_trust(context, platform="darwin")
    # certifi again: nothing new, and no count of 0 that would read as "nothing trusted".
    assert context.cert_store_stats()["x509_ca"] == before
    assert source == f"certifi {certifi.__version__} (Mozilla's CA set)"


def test_a_damaged_system_bundle_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty, good = tmp_path / "empty.pem", tmp_path / "good.pem"
    empty.write_text("")
    good.write_bytes(Path(certifi.where()).read_bytes())
    monkeypatch.setattr(trust, "SYSTEM_CA_FILES", (str(empty), str(good)))
    context = client_context()
    assert trust.load_system_trust(context, platform="linux").startswith(f"system CA file {good}, ")
    assert has_isrg_root(context)
    monkeypatch.setattr(trust, "SYSTEM_CA_FILES", (str(empty),))
    source = trust.load_system_trust(client_context(), platform="linux")
    assert source.startswith("certifi ")
    assert f"({empty} unusable: NO_CERTIFICATE_OR_CRL_FOUND)" in source


def test_a_trusted_leaf_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leaf = ensure_self_signed(tmp_path).pem_path  # trusted as given, though not a CA
    monkeypatch.setenv("SSL_CERT_FILE", str(leaf))
    assert trust.load_system_trust(client_context()) == f"SSL_CERT_FILE {leaf}, 1 certificate"


def test_without_certifi_openssl_defaults_are_the_last_resort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Running from source without the dependency installed.
    monkeypatch.setattr(trust, "SYSTEM_CA_FILES", ())
    monkeypatch.setattr(trust, "_load_certifi", lambda context: "")
    source = trust.load_system_trust(client_context(), platform="linux")
    assert source.startswith("OpenSSL's default CA paths")
