"""TLS failures in the words a person reads: what went wrong and what to do about it.

OpenSSL names a failure twice: a certificate check by its X509_V_ERR code
(`SSLCertVerificationError.verify_code`), anything else by a reason mnemonic
(`SSLError.reason`, e.g. TLSV13_ALERT_CERTIFICATE_REQUIRED). Both are mapped here, in one
place; whatever is not in the tables is shown as OpenSSL says it, lower-cased.
"""

from __future__ import annotations

import ssl

from app.net.tls.peer_certificate import CertificateInfo

# X509_V_ERR_* codes (openssl/x509_vfy.h): stable across OpenSSL 1.1 and 3.
_EXPIRED = 10
_NOT_YET_VALID = 9
_SELF_SIGNED_LEAF = 18
_SELF_SIGNED_IN_CHAIN = 19
_NO_ISSUER_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF = 21
_HOSTNAME_MISMATCH = 62
_IP_MISMATCH = 64

_VERIFY_REASONS = {
    _SELF_SIGNED_LEAF: "self-signed certificate: tick off Verify or add its CA",
    _SELF_SIGNED_IN_CHAIN: (
        "the certificate chain ends in a self-signed CA that is not trusted: add its CA file"
    ),
    _NO_ISSUER_LOCALLY: "certificate signed by an unknown CA: add its CA file",
    _UNABLE_TO_VERIFY_LEAF: "certificate signed by an unknown CA: add its CA file",
    23: "the certificate has been revoked",
    24: "an intermediate certificate is not a CA",
    26: "the certificate is not meant for a TLS server (key usage)",
    7: "the certificate's signature does not verify",
}

_REASONS = {
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": (
        "the server requires a client certificate: choose a PEM with certificate and key"
    ),
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": "the client sent no certificate, and one is required",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": (
        "the server refused the handshake (no shared protocol version or cipher, "
        "or it wanted a client certificate)"
    ),
    "NO_SHARED_CIPHER": "no cipher both sides accept",
    "NO_APPLICATION_PROTOCOL": "no shared application protocol (ALPN)",
    "TLSV1_ALERT_NO_APPLICATION_PROTOCOL": (
        "the server supports none of the ALPN protocols offered"
    ),
    "UNSUPPORTED_PROTOCOL": "no TLS version both sides accept",
    "TLSV1_ALERT_PROTOCOL_VERSION": "no TLS version both sides accept",
    "WRONG_VERSION_NUMBER": "the peer does not speak TLS (is this port plain TCP?)",
    "HTTP_REQUEST": "the client sent a plain HTTP request to the TLS port",
    "TLSV1_ALERT_UNKNOWN_CA": "the peer does not trust the certificate's CA",
    "SSLV3_ALERT_BAD_CERTIFICATE": "the peer rejected the certificate",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "the peer says the certificate has expired",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "the peer rejected the certificate",
    "TLSV1_ALERT_DECRYPT_ERROR": "the peer could not verify the handshake (wrong key?)",
    "UNEXPECTED_EOF_WHILE_READING": "the peer closed the connection during the TLS handshake",
    "EOF": "the peer closed the connection during the TLS handshake",
}


def describe_tls_error(
    exc: BaseException,
    server_name: str | None = None,
    leaf: CertificateInfo | None = None,
) -> str:
    """One line for a TLS failure; `leaf`, when known, adds dates and names."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _verify_reason(exc, server_name, leaf)
    if isinstance(exc, ssl.SSLEOFError):
        return _REASONS["EOF"]
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or ""
        if reason in _REASONS:
            return _REASONS[reason]
        if reason:
            return f"TLS error: {reason.replace('_', ' ').lower()}"
    return f"TLS error: {exc}"


def _verify_reason(
    exc: ssl.SSLCertVerificationError, server_name: str | None, leaf: CertificateInfo | None
) -> str:
    code = exc.verify_code
    if code == _EXPIRED:
        when = f" on {leaf.not_after}" if leaf is not None else ""
        return f"certificate has expired{when}"
    if code == _NOT_YET_VALID:
        when = f" until {leaf.not_before}" if leaf is not None else ""
        return f"certificate is not valid yet{when}"
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        wanted = server_name or "this host"
        if leaf is not None and leaf.names:
            return f"certificate is for {', '.join(leaf.names)}, not {wanted}"
        return f"certificate is not for {wanted}"
    reason = _VERIFY_REASONS.get(code)
    if reason is not None:
        return reason
    message = exc.verify_message or exc.reason or str(exc)
    return f"certificate check failed: {message}"
