"""CORS for the HTTP server's `httpCors` option: let a web page on any origin call it.

Permissive on purpose, as a test server should be: the request's Origin is echoed with
`Access-Control-Allow-Credentials: true` (a `*` would make browsers refuse requests that
carry cookies), `*` when there is no Origin, and a preflight is allowed whatever method
and headers it asks for. A preflight is answered here, before any route or folder: with
the option on, an OPTIONS route never sees one.
"""

from __future__ import annotations

from app.net.http.request import Request

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
# Ten minutes, Chromium's upper bound (Firefox allows a day): a re-run of a test page
# within it sends no second preflight.
MAX_AGE = "600"


def is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("Origin") is not None
        and request.header("Access-Control-Request-Method") is not None
    )


def allow_origin(request: Request) -> list[tuple[str, str]]:
    """The headers every answer carries with the option on."""
    origin = request.header("Origin")
    if origin is None:
        return [("Access-Control-Allow-Origin", "*")]
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Vary", "Origin"),
    ]


def preflight_headers(request: Request) -> list[tuple[str, str]]:
    """The 204's headers: the origin, every method, the headers asked for."""
    headers = [
        ("Access-Control-Allow-Origin", request.header("Origin") or "*"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", ALLOWED_METHODS),
    ]
    asked = request.header("Access-Control-Request-Headers")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    # Chromium's Private Network Access: a public page calling a server on loopback.
    if (request.header("Access-Control-Request-Private-Network") or "").lower() == "true":
        headers.append(("Access-Control-Allow-Private-Network", "true"))
    headers.append(("Access-Control-Max-Age", MAX_AGE))
    headers.append(
        ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    )
    return headers
