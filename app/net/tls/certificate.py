"""A self-signed TLS server certificate with an ECDSA P-256 key, written as PEM.

The certificate is what OpenSSL's strict checks (`VERIFY_X509_STRICT`, on by default
from Python 3.13) and browsers ask of a server certificate: version 3, a positive random
serial of at most 20 bytes, a non-empty subject, the names in subjectAltName, critical
basicConstraints CA:FALSE and keyUsage digitalSignature, extendedKeyUsage serverAuth, and
subject and authority key identifiers. CA:FALSE because the certificate is the server's own
(Firefox refuses a CA certificate used as a server's); a client trusts it by taking the
file itself as its CA file, which OpenSSL accepts for a self-signed end certificate.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
from datetime import datetime
from typing import NamedTuple

from app.net.tls import der, p256

ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
PRIME256V1 = "1.2.840.10045.3.1.7"
COMMON_NAME = "2.5.4.3"
ORGANIZATION = "2.5.4.10"
SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
KEY_USAGE = "2.5.29.15"
SUBJECT_ALT_NAME = "2.5.29.17"
BASIC_CONSTRAINTS = "2.5.29.19"
AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"
EXTENDED_KEY_USAGE = "2.5.29.37"
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
DIGITAL_SIGNATURE = 0  # bit number in keyUsage


class CertificateRequest(NamedTuple):
    common_name: str
    organization: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: datetime
    not_after: datetime


class GeneratedCertificate(NamedTuple):
    certificate_der: bytes
    pem: bytes  # the certificate, then its private key (PKCS#8)


def _algorithm(dotted: str, parameter: bytes = b"") -> bytes:
    return der.sequence(der.oid(dotted), parameter)


def _name(common_name: str, organization: str) -> bytes:
    # One attribute per RDN, in the order people read them: O, then CN.
    return der.sequence(
        der.set_of(der.sequence(der.oid(ORGANIZATION), der.utf8_string(organization))),
        der.set_of(der.sequence(der.oid(COMMON_NAME), der.utf8_string(common_name))),
    )


def _extension(dotted: str, value: bytes, *, critical: bool = False) -> bytes:
    flag = der.boolean(True) if critical else b""  # DER omits the DEFAULT FALSE
    return der.sequence(der.oid(dotted), flag, der.octet_string(value))


def _alt_names(dns_names: tuple[str, ...], ip_addresses: tuple[str, ...]) -> bytes:
    names = [der.implicit(2, name.encode("ascii")) for name in dns_names]
    names += [der.implicit(7, ipaddress.ip_address(ip).packed) for ip in ip_addresses]
    return der.sequence(*names)


def _public_key_info(public: p256.PublicKey) -> bytes:
    return der.sequence(
        _algorithm(EC_PUBLIC_KEY, der.oid(PRIME256V1)), der.bit_string(public.encoded())
    )


def _private_key_info(key: p256.KeyPair) -> bytes:
    """PKCS#8 PrivateKeyInfo around a SEC 1 ECPrivateKey (RFC 5208, RFC 5915)."""
    ec_private_key = der.sequence(
        der.integer(1),
        der.octet_string(key.private.to_bytes(32, "big")),
        der.explicit(1, der.bit_string(key.public.encoded())),
    )
    return der.sequence(
        der.integer(0),
        _algorithm(EC_PUBLIC_KEY, der.oid(PRIME256V1)),
        der.octet_string(ec_private_key),
    )


def _pem(label: str, data: bytes) -> bytes:
    text = base64.b64encode(data)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return (
        b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode()])
        + b"\n"
    )


def _serial_number() -> int:
    # 159 random bits: positive, at most 20 bytes once encoded, and never zero in practice.
    return secrets.randbits(159) | 1


def build_self_signed(request: CertificateRequest) -> GeneratedCertificate:
    key = p256.generate_key_pair()
    public_info = _public_key_info(key.public)
    # RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
    key_id = hashlib.sha1(key.public.encoded(), usedforsecurity=False).digest()
    name = _name(request.common_name, request.organization)
    extensions = der.sequence(
        _extension(BASIC_CONSTRAINTS, der.sequence(), critical=True),
        _extension(KEY_USAGE, der.named_bits(DIGITAL_SIGNATURE), critical=True),
        _extension(EXTENDED_KEY_USAGE, der.sequence(der.oid(SERVER_AUTH))),
        _extension(SUBJECT_ALT_NAME, _alt_names(request.dns_names, request.ip_addresses)),
        _extension(SUBJECT_KEY_IDENTIFIER, der.octet_string(key_id)),
        _extension(AUTHORITY_KEY_IDENTIFIER, der.sequence(der.implicit(0, key_id))),
    )
    tbs = der.sequence(
        der.explicit(0, der.integer(2)),  # version 3
        der.integer(_serial_number()),
        _algorithm(ECDSA_WITH_SHA256),
        name,
        der.sequence(der.time(request.not_before), der.time(request.not_after)),
        name,
        public_info,
        der.explicit(3, extensions),
    )
    r, s = p256.sign(key.private, tbs)
    signature = der.sequence(der.integer(r), der.integer(s))
    certificate = der.sequence(tbs, _algorithm(ECDSA_WITH_SHA256), der.bit_string(signature))
    pem = _pem("CERTIFICATE", certificate) + _pem("PRIVATE KEY", _private_key_info(key))
    return GeneratedCertificate(certificate, pem)
