"""The URL of a request as the engine uses it: origin, Host header and request-target."""

from __future__ import annotations

import functools
from typing import NamedTuple
from urllib.parse import quote, urljoin, urlsplit

from app.net.address import AddressError, check_host

DEFAULT_PORTS = {"http": 80, "https": 443}
# What may stay as typed in a path or query: RFC 3986 reserved and unreserved characters
# and `%` (a person who typed %20 meant it). Spaces and non-ASCII are percent-encoded.
_SAFE = "/?#[]@!$&'()*+,;=%:-._~"


class TargetError(ValueError):
    """The URL cannot be requested; the text says why."""


Origin = tuple[str, str, int, bool]  # scheme, host, port, verify: what a pool key needs


class Target(NamedTuple):
    scheme: str  # "http" or "https"
    host: str  # without brackets
    port: int
    request_target: str  # "/path?query", never empty
    authority: str  # the Host header: the port only when it is not the default
    url: str  # the whole URL as requested, without a fragment

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


@functools.lru_cache(maxsize=64)  # a request loop sends the same URL again and again
def parse_target(url: str) -> Target:
    text = url.strip()
    if "://" not in text:
        raise TargetError(f"{url!r} is not an http:// or https:// URL")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetError(f"The scheme {parts.scheme}:// is not HTTP (use http:// or https://)")
    if parts.username is not None:
        raise TargetError("Credentials in the URL are not sent: use an Authorization header")
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"The port in {url!r} is not valid") from None
    host = parts.hostname or ""
    try:
        check_host(host)
    except AddressError as exc:
        raise TargetError(str(exc)) from None
    if port == 0:
        raise TargetError("Port 0 cannot be connected to")
    if not host.isascii():  # an international name travels as IDNA (xn--…), Host included
        host = host.encode("idna").decode("ascii")
    default = DEFAULT_PORTS[scheme]
    port = default if port is None else port
    shown_host = f"[{host}]" if ":" in host else host
    authority = shown_host if port == default else f"{shown_host}:{port}"
    path = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE)
    return Target(scheme, host, port, path, authority, f"{scheme}://{authority}{path}")


def redirect_url(current: str, location: str) -> str:
    """Where a Location header points, a relative one read against the current URL."""
    return urljoin(current, location.strip())
