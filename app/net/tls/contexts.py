"""The SSL contexts a client and a server use, built from what a person chose in a tab.

Built in the worker's thread (they read files), once per connect or server start. A file
that cannot be used is a `TlsSetupError` whose text names the file and the problem.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import NamedTuple

from app.net.tls.options import ClientTlsOptions
from app.net.tls.peer_certificate import fingerprint_sha256
from app.net.tls.trust import load_system_trust

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s+.+?\s+-----END CERTIFICATE-----", re.DOTALL
)


class TlsSetupError(ValueError):
    """A certificate, key or CA file cannot be used; the text says which and why."""


class ClientContext(NamedTuple):
    context: ssl.SSLContext
    trust: str  # where the trusted CAs come from, for the log


class ServerIdentity(NamedTuple):
    context: ssl.SSLContext
    pem_path: Path
    fingerprint_sha256: str
    generated: str  # "" for the person's own file, else how the self-signed one came


def client_context(options: ClientTlsOptions) -> ClientContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    trust = "no trust store (Verify is off)"
    if options.verify:
        trust = load_system_trust(context)
        if options.ca_file:
            _load_ca(context, options.ca_file)
            trust += f" and {options.ca_file}"
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if options.client_cert:
        _load_identity(context, options.client_cert, "client certificate")
    if options.alpn:
        try:
            context.set_alpn_protocols(list(options.alpn))
        except (ValueError, TypeError) as exc:
            raise TlsSetupError(f"ALPN protocols {', '.join(options.alpn)}: {exc}") from exc
    return ClientContext(context, trust)


def server_identity(cert_pem: str, folder: Path) -> ServerIdentity:
    """A server context for `cert_pem`, or for this machine's generated certificate.

    Raises TlsSetupError when the file cannot be used or the generated one written.
    """
    note = ""
    if cert_pem.strip():
        path = Path(cert_pem.strip()).expanduser()
        fingerprint = ""
    else:
        from app.net.tls.self_signed import ensure_self_signed

        try:
            made = ensure_self_signed(folder)
        except OSError as exc:
            raise TlsSetupError(
                f"Cannot keep the generated certificate in {folder}: {exc.strerror or exc}"
            ) from exc
        path, fingerprint = made.pem_path, made.fingerprint_sha256
        note = "generated now" + (f" ({made.reason})" if made.reason else "")
        if not made.created:
            note = f"generated earlier, valid until {made.not_after:%Y-%m-%d}"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_identity(context, str(path), "server certificate")
    return ServerIdentity(context, path, fingerprint or pem_fingerprint(path), note)


def pem_fingerprint(path: Path) -> str:
    """SHA-256 of the first certificate in a PEM file ("" if it holds none)."""
    match = _PEM_CERTIFICATE.search(path.read_bytes())
    if match is None:
        return ""
    return fingerprint_sha256(ssl.PEM_cert_to_DER_cert(match.group(0).decode("ascii")))


def _load_ca(context: ssl.SSLContext, ca_file: str) -> None:
    path = Path(ca_file).expanduser()
    try:
        context.load_verify_locations(cafile=str(path))
    except FileNotFoundError as exc:
        raise TlsSetupError(f"CA file {path} does not exist") from exc
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TlsSetupError(f"CA file {path} holds no usable certificate ({exc})") from exc


def _load_identity(context: ssl.SSLContext, pem: str, what: str) -> None:
    path = Path(pem).expanduser()
    try:
        context.load_cert_chain(str(path))
    except FileNotFoundError as exc:
        raise TlsSetupError(f"The {what} file {path} does not exist") from exc
    except ssl.SSLError as exc:
        raise TlsSetupError(
            f"The {what} file {path} needs a certificate and its private key in PEM "
            f"({exc.reason or exc})"
        ) from exc
    except OSError as exc:
        raise TlsSetupError(f"Cannot read the {what} file {path}: {exc.strerror or exc}") from exc
