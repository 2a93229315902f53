"""What a person wants to know about a certificate a peer presented, read from its DER.

Why a reader of our own: `SSLObject.getpeercert()` decodes the certificate only when it
was verified (with Verify off it returns {}), and the decoder behind it
(`ssl._ssl._test_decode_cert`) is private. The fields shown (subject, issuer, validity,
subject alternative names) sit at fixed places in the structure (RFC 5280 §4.1), so the
DER reader the certificate generator uses (der.py) is enough; no `cryptography` needed.
A certificate it cannot read still gets its fingerprint, which needs no parsing.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import NamedTuple

from app.net.tls import der

_EXPLICIT_VERSION = 0xA0
_EXPLICIT_EXTENSIONS = 0xA3
_DNS_NAME = 0x82
_IP_ADDRESS = 0x87


def _oid_content(dotted: str) -> bytes:
    return der.read_element(der.oid(dotted)).content


_SUBJECT_ALT_NAME = _oid_content("2.5.29.17")
_ATTRIBUTE_NAMES = {
    _oid_content(dotted): name
    for dotted, name in (
        ("2.5.4.3", "CN"),
        ("2.5.4.6", "C"),
        ("2.5.4.7", "L"),
        ("2.5.4.8", "ST"),
        ("2.5.4.10", "O"),
        ("2.5.4.11", "OU"),
        ("1.2.840.113549.1.9.1", "emailAddress"),
    )
}


class CertificateInfo(NamedTuple):
    subject: str  # "CN=localhost, O=Example"
    issuer: str
    not_before: str  # "2026-01-01 00:00:00 UTC"
    not_after: str
    names: tuple[str, ...]  # DNS names and IP addresses it is for (SAN)
    fingerprint_sha256: str  # "AB:CD:…"

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


def fingerprint_sha256(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(data).digest())


def read_certificate(data: bytes) -> CertificateInfo:
    """Subject, issuer, validity and names of a DER certificate; raises der.DerError."""
    try:
        return _read(data)
    except (IndexError, ValueError) as exc:  # DerError is a ValueError
        raise der.DerError(f"not a certificate this reader understands: {exc}") from exc


def describe_certificate(data: bytes) -> CertificateInfo:
    """Like read_certificate, but an unreadable certificate still gets its fingerprint."""
    try:
        return read_certificate(data)
    except der.DerError:
        unknown = "(could not be read)"
        return CertificateInfo(unknown, unknown, "?", "?", (), fingerprint_sha256(data))


def _read(data: bytes) -> CertificateInfo:
    certificate = der.read_element(data)
    tbs = der.read_children(certificate.content)[0]
    if tbs.tag != der.SEQUENCE or certificate.tag != der.SEQUENCE:
        raise der.DerError("not a certificate")
    fields = der.read_children(tbs.content)
    first = 1 if fields[0].tag == _EXPLICIT_VERSION else 0
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
    issuer, validity, subject = fields[first + 2 : first + 5]
    not_before, not_after = (_time(item) for item in der.read_children(validity.content))
    names: tuple[str, ...] = ()
    for item in fields[first + 6 :]:
        if item.tag == _EXPLICIT_EXTENSIONS:
            names = _alt_names(der.read_element(item.content).content)
    return CertificateInfo(
        _name(subject.content),
        _name(issuer.content),
        not_before,
        not_after,
        names,
        fingerprint_sha256(data),
    )


def _time(item: der.Element) -> str:
    return der.read_time(item).strftime("%Y-%m-%d %H:%M:%S UTC")


def _name(content: bytes) -> str:
    parts = []
    for relative in der.read_children(content):
        for attribute in der.read_children(relative.content):
            kind, value = der.read_children(attribute.content)[:2]
            label = _ATTRIBUTE_NAMES.get(kind.content, _dotted(kind.content))
            parts.append(f"{label}={value.content.decode('utf-8', 'replace')}")
    return ", ".join(parts)


def _dotted(raw: bytes) -> str:
    first = min(raw[0] // 40, 2)
    arcs = [first, raw[0] - 40 * first]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(str(arc) for arc in arcs)


def _alt_names(extensions: bytes) -> tuple[str, ...]:
    for extension in der.read_children(extensions):
        parts = der.read_children(extension.content)
        if parts[0].content != _SUBJECT_ALT_NAME:
            continue
        general_names = der.read_element(parts[-1].content).content
        names = []
        for name in der.read_children(general_names):
            if name.tag == _DNS_NAME:
                names.append(name.content.decode("ascii", "replace"))
            elif name.tag == _IP_ADDRESS and len(name.content) in (4, 16):
                names.append(str(ipaddress.ip_address(name.content)))
        return tuple(names)
    return ()
