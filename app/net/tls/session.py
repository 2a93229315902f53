"""The summary of a TLS session once its handshake is done: one line and a detail text.

The chain: Python 3.13 gives the certificates the peer sent
(`SSLObject.get_unverified_chain`) and, when verified, the chain OpenSSL built
(`get_verified_chain`); on 3.11 and 3.12 only the leaf is available, and the detail says so.
Every certificate is read from its DER bytes (certificate.py), whether or not it was
verified, so Verify off shows the same fields.
"""

from __future__ import annotations

import ssl
from typing import NamedTuple

from app.net.tls.peer_certificate import CertificateInfo, describe_certificate


class TlsSession(NamedTuple):
    version: str  # "TLSv1.3"
    cipher: str
    alpn: str  # "" when none was agreed
    verified: bool
    chain: tuple[CertificateInfo, ...]  # the leaf first; empty when the peer sent none
    chain_complete: bool  # False: only the leaf could be read (Python before 3.13)

    @property
    def leaf(self) -> CertificateInfo | None:
        return self.chain[0] if self.chain else None

    def summary(self) -> str:
        """The one line of the info row."""
        parts = [f"TLS handshake done: {self.version}, {self.cipher}"]
        parts.append(f"ALPN {self.alpn}" if self.alpn else "no ALPN")
        leaf = self.leaf
        if leaf is None:
            parts.append("no certificate")
        else:
            parts.append(f"subject {leaf.subject}")
            parts.append(f"issuer {leaf.issuer}")
            parts.append(f"valid {leaf.not_before} to {leaf.not_after}")
            parts.append(f"SHA-256 {leaf.fingerprint_sha256}")
        return "; ".join(parts)

    def detail(self) -> str:
        lines = [
            f"Version: {self.version}",
            f"Cipher: {self.cipher}",
            f"ALPN: {self.alpn or '(none agreed)'}",
        ]
        if self.chain:
            lines.append(
                f"Certificate verified: {'yes' if self.verified else 'no (Verify is off)'}"
            )
        else:
            lines.append("Certificate: none presented")
        for depth, cert in enumerate(self.chain):
            role = "Leaf" if depth == 0 else f"Chain [{depth}]"
            lines += ["", f"{role}:"] + [f"  {line}" for line in cert.lines()]
        if self.chain and not self.chain_complete:
            lines += ["", "Only the leaf is shown: reading the chain needs Python 3.13."]
        return "\n".join(lines)


def read_session(ssl_object: ssl.SSLObject, verified: bool) -> TlsSession:
    cipher = ssl_object.cipher()
    chain_ders = _chain(ssl_object, verified)
    complete = chain_ders is not None
    if chain_ders is None:
        leaf = ssl_object.getpeercert(binary_form=True)
        chain_ders = [leaf] if leaf else []
    return TlsSession(
        ssl_object.version() or "TLS",
        cipher[0] if cipher else "?",
        ssl_object.selected_alpn_protocol() or "",
        verified,
        tuple(describe_certificate(der) for der in chain_ders),
        complete,
    )


def _chain(ssl_object: ssl.SSLObject, verified: bool) -> list[bytes] | None:
    name = "get_verified_chain" if verified else "get_unverified_chain"
    method = getattr(ssl_object, name, None)
    if method is None:
        return None
    certs = method()
    # DER bytes on 3.13 (checked there: the verified chain reaches the root, the
    # unverified one is what the peer sent); anything else falls back to the leaf.
    if not all(isinstance(cert, bytes) for cert in certs):
        return None
    return list(certs)
