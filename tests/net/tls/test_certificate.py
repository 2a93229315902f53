"""The built certificate, read back field by field, and its key loaded by Python's ssl."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.net.tls import certificate, der, p256

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
REQUEST = certificate.CertificateRequest(
    common_name="localhost",
    organization="Socket Tester self-signed",
    dns_names=("localhost", "example.test"),
    ip_addresses=("127.0.0.1", "::1"),
    not_before=START,
    not_after=START + timedelta(days=30),
)


def _tbs_fields(certificate_der: bytes) -> list[der.Element]:
    outer = der.read_children(der.read_element(certificate_der).content)
    return der.read_children(outer[0].content)


def test_signature_verifies_with_the_certificate_key() -> None:
    generated = certificate.build_self_signed(REQUEST)
    outer = der.read_element(generated.certificate_der)
    header = len(generated.certificate_der) - len(outer.content)
    tbs, algorithm, signature = der.read_children(outer.content)
    tbs_bytes = generated.certificate_der[header : header + tbs.end]
    fields = der.read_children(tbs.content)
    spki = der.read_children(fields[6].content)
    encoded_point = spki[1].content[1:]  # after the BIT STRING's unused-bits byte
    public = p256.PublicKey(
        int.from_bytes(encoded_point[1:33], "big"), int.from_bytes(encoded_point[33:], "big")
    )
    signature_value = der.read_children(der.read_element(signature.content[1:]).content)
    r, s = (int.from_bytes(part.content, "big") for part in signature_value)
    assert p256.verify(public, tbs_bytes, (r, s))
    assert (algorithm.tag, algorithm.content) == (
        fields[2].tag,
        fields[2].content,
    )  # the same ecdsa-with-SHA256 inside and out
    assert not p256.verify(public, tbs_bytes + b"\x00", (r, s))


def test_fields_read_back() -> None:
    generated = certificate.build_self_signed(REQUEST)
    tbs = _tbs_fields(generated.certificate_der)
    version, serial, _algorithm, issuer, validity, subject = tbs[:6]
    assert version.content == der.integer(2)
    assert 1 <= len(serial.content) <= 20 and serial.content[0] < 0x80
    assert (issuer.tag, issuer.content) == (subject.tag, subject.content)
    not_before, not_after = der.read_children(validity.content)
    assert der.read_time(not_before) == REQUEST.not_before
    assert der.read_time(not_after) == REQUEST.not_after


def test_serials_differ() -> None:
    first = certificate.build_self_signed(REQUEST).certificate_der
    second = certificate.build_self_signed(REQUEST).certificate_der
    assert _tbs_fields(first)[1] != _tbs_fields(second)[1]


def test_python_ssl_decodes_names_and_loads_the_key(tmp_path: Path) -> None:
    generated = certificate.build_self_signed(REQUEST)
    path = tmp_path / "identity.pem"
    path.write_bytes(generated.pem)
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(path)  # key matches certificate
    # The decoder behind SSLSocket.getpeercert(), for a file (get_ca_certs lists CAs only).
    decoded = ssl._ssl._test_decode_cert(str(path))  # type: ignore[attr-defined]
    assert decoded["subject"] == (
        (("organizationName", "Socket Tester self-signed"),),
        (("commonName", "localhost"),),
    )
    assert decoded["subjectAltName"] == (
        ("DNS", "localhost"),
        ("DNS", "example.test"),
        ("IP Address", "127.0.0.1"),
        ("IP Address", "0:0:0:0:0:0:0:1"),
    )
    assert decoded["notAfter"] == "Feb  1 03:04:05 2026 GMT"
    assert generated.pem.count(b"-----BEGIN ") == 2
