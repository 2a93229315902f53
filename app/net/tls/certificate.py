"""What a person wants to know about an X.509 certificate, read from its DER bytes.

Why a reader of our own: `SSLObject.getpeercert()` decodes the certificate only when it
was verified (with Verify off it returns {}), and the decoder behind it
(`ssl._ssl._test_decode_cert`) is private. The fields shown (subject, issuer, validity,
subject alternative names) sit at fixed places in the DER structure (RFC 5280 §4.1), so a
small reader of definite-length DER is enough and needs no `cryptography` in the bundle.
A certificate it cannot read still gets its fingerprint, which needs no parsing.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import UTC, datetime
from typing import NamedTuple

_SEQUENCE = 0x30
_SET = 0x31
_OID = 0x06
_OCTET_STRING = 0x04
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18
_EXPLICIT_VERSION = 0xA0
_EXPLICIT_EXTENSIONS = 0xA3
_DNS_NAME = 0x82
_IP_ADDRESS = 0x87
_SUBJECT_ALT_NAME = "2.5.29.17"

_ATTRIBUTE_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "1.2.840.113549.1.9.1": "emailAddress",
}


class CertificateInfo(NamedTuple):
    subject: str  # "CN=localhost, O=Example"
    issuer: str
    not_before: str  # "2026-01-01 00:00:00 UTC"
    not_after: str
    names: tuple[str, ...]  # DNS names and IP addresses it is for (SAN)
    fingerprint_sha256: str  # "AB:CD:…"

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def lines(self) -> list[str]:
        """The certificate as the detail view shows it, one field a line."""
        out = [
            f"Subject: {self.subject or '(empty)'}",
            f"Issuer: {self.issuer or '(empty)'}",
            f"Valid: {self.not_before} to {self.not_after}",
        ]
        if self.names:
            out.append(f"Names: {', '.join(self.names)}")
        out.append(f"SHA-256: {self.fingerprint_sha256}")
        return out


class DerError(ValueError):
    """The bytes are not the DER certificate structure this reader knows."""


def fingerprint_sha256(der: bytes) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def read_certificate(der: bytes) -> CertificateInfo:
    """Subject, issuer, validity and names of a DER certificate; raises DerError."""
    try:
        return _read(der)
    except (IndexError, ValueError) as exc:
        raise DerError(f"not a certificate this reader understands: {exc}") from exc


def describe_certificate(der: bytes) -> CertificateInfo:
    """Like read_certificate, but an unreadable certificate still gets its fingerprint."""
    try:
        return read_certificate(der)
    except DerError:
        unknown = "(could not be read)"
        return CertificateInfo(unknown, unknown, "?", "?", (), fingerprint_sha256(der))


def _read(der: bytes) -> CertificateInfo:
    tag, start, _ = _element(der, 0)
    _expect(tag, _SEQUENCE, "certificate")
    tag, pos, tbs_end = _element(der, start)
    _expect(tag, _SEQUENCE, "tbsCertificate")
    fields = list(_children(der, pos, tbs_end))
    index = 0
    if fields[0][0] == _EXPLICIT_VERSION:
        index = 1
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
    issuer = fields[index + 2]
    validity = fields[index + 3]
    subject = fields[index + 4]
    not_before, not_after = (
        _time(der, t, s, e) for t, s, e in _children(der, validity[1], validity[2])
    )
    names: tuple[str, ...] = ()
    for tag, s, e in fields[index + 6 :]:
        if tag == _EXPLICIT_EXTENSIONS:
            names = _alt_names(der, s, e)
    return CertificateInfo(
        _name(der, subject[1], subject[2]),
        _name(der, issuer[1], issuer[2]),
        not_before,
        not_after,
        names,
        fingerprint_sha256(der),
    )


def _element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4:
            raise ValueError("unsupported length encoding")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("element runs past the end")
    return tag, pos, end


def _children(data: bytes, pos: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while pos < end:
        tag, start, stop = _element(data, pos)
        out.append((tag, start, stop))
        pos = stop
    return out


def _expect(tag: int, wanted: int, what: str) -> None:
    if tag != wanted:
        raise ValueError(f"{what}: tag {tag:#04x}, expected {wanted:#04x}")


def _oid(raw: bytes) -> str:
    first = raw[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _name(data: bytes, pos: int, end: int) -> str:
    parts = []
    for tag, s, e in _children(data, pos, end):
        _expect(tag, _SET, "relative distinguished name")
        for _, a_start, a_end in _children(data, s, e):
            (o_tag, o_s, o_e), (_, v_s, v_e) = _children(data, a_start, a_end)[:2]
            _expect(o_tag, _OID, "attribute type")
            oid = _oid(data[o_s:o_e])
            value = data[v_s:v_e].decode("utf-8", "replace")
            parts.append(f"{_ATTRIBUTE_NAMES.get(oid, oid)}={value}")
    return ", ".join(parts)


def _time(data: bytes, tag: int, pos: int, end: int) -> str:
    text = data[pos:end].decode("ascii")
    if tag == _UTC_TIME:
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != _GENERALIZED_TIME:
        raise ValueError(f"validity: tag {tag:#04x} is not a time")
    moment = datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _alt_names(data: bytes, pos: int, end: int) -> tuple[str, ...]:
    (tag, s, e) = _element(data, pos)
    _expect(tag, _SEQUENCE, "extensions")
    for _, x_start, x_end in _children(data, s, e):
        parts = _children(data, x_start, x_end)
        if _oid(data[parts[0][1] : parts[0][2]]) != _SUBJECT_ALT_NAME:
            continue
        o_tag, o_s, _ = parts[-1]
        _expect(o_tag, _OCTET_STRING, "extension value")
        seq_tag, g_s, g_e = _element(data, o_s)
        _expect(seq_tag, _SEQUENCE, "subjectAltName")
        names = []
        for g_tag, n_s, n_e in _children(data, g_s, g_e):
            raw = data[n_s:n_e]
            if g_tag == _DNS_NAME:
                names.append(raw.decode("ascii", "replace"))
            elif g_tag == _IP_ADDRESS and len(raw) in (4, 16):
                names.append(str(ipaddress.ip_address(raw)))
        return tuple(names)
    return ()
