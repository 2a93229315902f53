"""What a person chose for TLS in a tab, as records the GUI imports without `ssl`."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple


class ClientTlsOptions(NamedTuple):
    verify: bool = True
    server_name: str = ""  # SNI and the name checked; "" = the host connected to
    ca_file: str = ""  # trusted in addition to the system's
    client_cert: str = ""  # one PEM with the certificate and its key
    alpn: tuple[str, ...] = ()

    def name_for(self, host: str) -> str:
        """The name sent as SNI and checked in the certificate (an IP address is only
        checked: Python sends no SNI for an address, as RFC 6066 says)."""
        return self.server_name.strip() or host


def parse_alpn(text: str) -> tuple[str, ...]:
    """ "h2, http/1.1" -> ("h2", "http/1.1")."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class ServerTlsOptions(NamedTuple):
    cert_pem: str = ""  # one PEM with certificate and key; "" = the generated one
    folder: str = ""  # where the generated certificate is kept (the settings folder)
