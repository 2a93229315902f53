"""Contexts from a tab's choices: verification, CA and certificate files, the generated one."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from app.net.tls.contexts import (
    TlsSetupError,
    client_context,
    pem_fingerprint,
    server_identity,
)
from app.net.tls.options import ClientTlsOptions
from app.net.tls.peer_certificate import fingerprint_sha256
from tests.net.tls.tls_peers import Certificates


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


def test_verify_on_and_off(certs: Certificates) -> None:
    on = client_context(ClientTlsOptions(ca_file=str(certs.ca_pem)))
    assert on.context.verify_mode is ssl.CERT_REQUIRED and on.context.check_hostname
    assert on.trust.endswith(f" and {certs.ca_pem}") and len(on.trust) > len(str(certs.ca_pem)) + 5
    off = client_context(ClientTlsOptions(verify=False, ca_file=str(certs.ca_pem)))
    assert off.context.verify_mode is ssl.CERT_NONE and not off.context.check_hostname


def test_files_that_cannot_be_used(certs: Certificates, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(TlsSetupError, match="holds no usable certificate"):
        client_context(ClientTlsOptions(ca_file=str(junk)))
    with pytest.raises(TlsSetupError, match="needs a certificate and its private key"):
        client_context(ClientTlsOptions(client_cert=str(junk)))
    with pytest.raises(TlsSetupError, match="does not exist"):
        server_identity(str(tmp_path / "missing.pem"), tmp_path)


def test_server_identity_from_a_file(certs: Certificates, tmp_path: Path) -> None:
    identity = server_identity(str(certs.localhost), tmp_path)
    assert identity.generated == ""
    leaf = certs.localhost.read_text().split("-----END CERTIFICATE-----")[0]
    der = ssl.PEM_cert_to_DER_cert(leaf + "-----END CERTIFICATE-----\n")
    assert (
        identity.fingerprint_sha256 == fingerprint_sha256(der) == pem_fingerprint(certs.localhost)
    )


def test_generated_identity_is_made_once_then_reused(tmp_path: Path) -> None:
    first = server_identity("", tmp_path)
    assert first.generated.startswith("generated now")
    again = server_identity("", tmp_path)
    assert again.generated.startswith("generated earlier, valid until ")
    assert again.fingerprint_sha256 == first.fingerprint_sha256
    assert again.pem_path == first.pem_path and again.pem_path.parent == tmp_path
