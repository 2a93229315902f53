"""Which certificate authorities a TLS client trusts, in the frozen program as from source.

OpenSSL looks for trusted CAs at a path compiled into libssl. A PyInstaller bundle carries
the build machine's libssl, so that path is another system's (Debian's `/usr/lib/ssl` on
Fedora, a Homebrew or python.org path on a Mac that has neither), and nothing would be
trusted. So the source is chosen here, per system, and named for the log:

- `SSL_CERT_FILE` / `SSL_CERT_DIR` when set: a person's explicit choice, as OpenSSL reads it.
- Linux and the BSDs: the distribution's CA bundle, the first of the places distributions
  keep it (the list Go and truststore use). It is the system's trust: updated with the
  system, and with the CAs an administrator added (update-ca-certificates, update-ca-trust).
- Windows: the system's "ROOT" and "CA" stores, which Python's ssl reads, and certifi's set
  with them: Windows fetches root certificates on demand for its own verifier, so a fresh
  machine's store lacks roots its browser accepts (CPython issue 101738).
- macOS: certifi (Mozilla's CA set, the one Firefox and python.org's installer use);
  Python's ssl cannot read the Keychain, so a CA added there must be given as the CA file.
- Anywhere no system set is found: certifi.

Why not truststore (the OS verifier): it cannot load into an `ssl.SSLContext`, it is the
context's class; on macOS and Windows it turns OpenSSL's checks off for the handshake and asks
the OS once the handshake is done, so a failure arrives after a completed handshake with the
OS's wording instead of OpenSSL's verify code and message ("certificate has expired"), from
which the TLS layer words its reasons, and `VERIFY_X509_STRICT` and an added CA file act
differently per system; on Linux it reads the same bundle files as this module.
"""

from __future__ import annotations

import os
import ssl
import sys

from app.units import plural

# Where distributions keep the PEM bundle of their trusted CAs.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch (also cert.pem)
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora, RHEL, CentOS
    "/etc/pki/tls/certs/ca-bundle.crt",  # older Fedora and RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/ssl/cert.pem",  # Alpine, OpenBSD, and Arch's link
    "/usr/local/share/certs/ca-root-nss.crt",  # FreeBSD
)


def load_system_trust(context: ssl.SSLContext, *, platform: str = sys.platform) -> str:
    """Load the system's trusted CAs into `context`; returns where they came from, for the
    log (e.g. "system CA file /etc/ssl/certs/ca-certificates.crt, 146 certificates").
    Raises ssl.SSLError or OSError only when a file named by SSL_CERT_FILE/SSL_CERT_DIR
    cannot be read: that choice was the person's, and silently ignoring it would mislead."""
    before = _count(context)
    source = _load(context, platform)
    added = _count(context) - before
    if added:
        return f"{source}, {plural(added, 'certificate')}"
    if os.environ.get("SSL_CERT_DIR"):
        return f"{source} (a folder: read when a certificate is looked up)"
    # Nothing new in a context that already held these: no count rather than a wrong one.
    return source if before else f"{source}: no certificates found"


def _load(context: ssl.SSLContext, platform: str) -> str:
    cafile = os.environ.get("SSL_CERT_FILE")
    capath = os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
        named = {"SSL_CERT_FILE": cafile, "SSL_CERT_DIR": capath}
        return " and ".join(f"{name} {value}" for name, value in named.items() if value)
    if platform == "win32":
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        certifi = _load_certifi(context)
        return "the Windows certificate store" + (f" and {certifi}" if certifi else "")
    skipped = []
    if platform != "darwin":
        for path in SYSTEM_CA_FILES:
            if not os.path.isfile(path):
                continue
            try:
                context.load_verify_locations(cafile=path)
            except (OSError, ssl.SSLError) as error:
                # A damaged or unreadable bundle: the next place, or certifi, still serves.
                skipped.append(f"{path} unusable: {getattr(error, 'reason', None) or error}")
                continue
            return f"system CA file {path}"
    source = _load_certifi(context)
    if not source:
        # Running from source without certifi installed: OpenSSL's own default paths.
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        source = "OpenSSL's default CA paths"
    return " ".join([source, *(f"({note})" for note in skipped)])


def _load_certifi(context: ssl.SSLContext) -> str:
    try:
        import certifi
    except ImportError:
        return ""
    context.load_verify_locations(cafile=certifi.where())
    return f"certifi {certifi.__version__} (Mozilla's CA set)"


def _count(context: ssl.SSLContext) -> int:
    return context.cert_store_stats()["x509"]  # a self-signed leaf given as CA file counts
