"""Decides the answer to one parsed request from the current configuration (no I/O)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import parse_qs

from app.net.http.config import ResponseConfig, RouteAnswer, RouteFault, ServeMode
from app.net.http.folder import answer_folder
from app.net.http.request import Request
from app.net.http.request_log import readable
from app.net.http.responses import build_response, error_response, http_date

if TYPE_CHECKING:
    from wsproto import WSConnection

# A module constant: reading an enum member off its class costs ~50 ns (measured), and
# every request in the fixed mode makes this one comparison more.
_WS_ECHO = ServeMode.WS_ECHO
# Fixed and echo modes answer these; anything else is 501 Not Implemented.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(slots=True)
class Answer:
    """A response ready to go: `data` is the whole response, or the head before `file`."""

    status: int
    data: bytes
    keep_alive: bool
    note: str = ""  # what the log line adds: why it was refused, which route answered
    file: BinaryIO | None = None
    file_size: int = 0
    # Set when a route answered: its number, its delay (s) and its fault (None for none).
    route: int = 0
    delay: float = 0.0
    fault: RouteFault | None = None
    # Set on a 101 to WebSocket: the open connection the session takes over.
    upgrade: WSConnection | None = None


def answer(request: Request, config: ResponseConfig, peer: str) -> Answer:
    head_only = request.method == "HEAD"
    keep_alive = request.keep_alive
    extra: list[tuple[str, str]] = []
    if keep_alive and request.version == "HTTP/1.0":
        extra.append(("Connection", "keep-alive"))
    if config.cors:
        from app.net.http import cors  # loaded with the option: start-up counts

        if cors.is_preflight(request):
            headers = [*cors.preflight_headers(request), *extra]
            data = build_response(204, headers, b"", keep_alive=keep_alive)
            return Answer(204, data, keep_alive, "CORS preflight")
        extra += cors.allow_origin(request)
    if config.mode is ServeMode.FOLDER:
        return _from_folder(request, config.folder, keep_alive, extra)
    if request.method not in KNOWN_METHODS:
        reason = f"{request.method} is not implemented"
        data = error_response(501, reason, keep_alive=keep_alive, headers=tuple(extra))
        return Answer(501, data, keep_alive, reason)
    if config.mode is ServeMode.ECHO:
        data = build_response(
            200,
            extra,
            echo_document(request, peer),
            content_type="application/json",
            head_only=head_only,
            keep_alive=keep_alive,
        )
        return Answer(200, data, keep_alive)
    note = ""
    if config.mode is _WS_ECHO and request.method == "GET":
        upgraded = _websocket_upgrade(request, extra)
        if upgraded is not None:
            return upgraded
    elif config.mode is ServeMode.ROUTES and config.routes is not None:
        from app.net.http.routes import RouteMatchTimeout  # loaded with the first route

        try:
            found = config.routes.match(request.method, request.target)
        except RouteMatchTimeout as exc:
            reason = str(exc)
            data = error_response(500, reason, keep_alive=keep_alive, headers=tuple(extra))
            return Answer(500, data, keep_alive, reason)
        if found is not None:
            return _from_route(request, found, keep_alive, extra)
        note = "no route matched: the fixed response"
    status = config.status
    if status < 200:
        keep_alive = False  # an interim status as the final answer: end it there
    data = _fixed_response(config, head_only, keep_alive, extra)
    return Answer(status, data, keep_alive, note)


# The fixed response's bytes depend only on the configuration, the Date second and three
# flags, so they are built once per second instead of once per request. One immutable
# (config, date, responses) triple is swapped whole: two servers in one process at worst
# build a response twice, never answer with the other's.
_FixedKey = tuple[bool, bool, tuple[tuple[str, str], ...]]  # head only, keep-alive, extra
_fixed_built: tuple[ResponseConfig | None, bytes, dict[_FixedKey, bytes]] = (None, b"", {})


def _fixed_response(
    config: ResponseConfig, head_only: bool, keep_alive: bool, extra: list[tuple[str, str]]
) -> bytes:
    global _fixed_built
    date = http_date()
    built = _fixed_built
    if built[0] is not config or built[1] is not date:
        built = _fixed_built = (config, date, {})
    key = (head_only, keep_alive, tuple(extra))
    data = built[2].get(key)
    if data is None:
        data = built[2][key] = build_response(
            config.status,
            [*config.headers, *extra],
            config.body,
            content_type=config.content_type,
            head_only=head_only,
            keep_alive=keep_alive,
        )
    return data


def _websocket_upgrade(request: Request, extra: list[tuple[str, str]]) -> Answer | None:
    """A 101 (or a 400 for a broken upgrade); None for a request that is not one."""
    from app.net.websocket import upgrade  # wsproto loads with the first upgrade

    if not upgrade.asks_for_websocket(request.headers):
        return None
    try:
        ws, data = upgrade.accept_upgrade(request.target, request.headers)
    except upgrade.UpgradeRefused as exc:
        reason = f"Not a valid WebSocket upgrade: {exc}"
        return Answer(400, error_response(400, reason, headers=tuple(extra)), False, reason)
    return Answer(101, data, False, "WebSocket open", upgrade=ws)


def _from_route(
    request: Request, found: RouteAnswer, keep_alive: bool, extra: list[tuple[str, str]]
) -> Answer:
    fault: RouteFault | None = found.fault
    if fault is RouteFault.NONE:
        fault = None
    elif fault is not RouteFault.DRIBBLE:
        keep_alive = False  # the connection ends with the fault
    status = found.status
    if status < 200:
        keep_alive = False  # an interim status as the final answer: end it there
    data = build_response(
        status,
        extra,
        found.body,
        content_type=found.content_type or None,
        head_only=request.method == "HEAD",
        keep_alive=keep_alive,
    )
    note = f"route {found.number}"
    return Answer(status, data, keep_alive, note, None, 0, found.number, found.delay, fault)


def _from_folder(
    request: Request, folder: str, keep_alive: bool, extra: list[tuple[str, str]]
) -> Answer:
    head_only = request.method == "HEAD"
    try:
        found = answer_folder(folder, request.method, request.target)
    except OSError as exc:
        reason = f"Cannot read: {exc.strerror or exc}"
        data = error_response(500, reason, keep_alive=keep_alive, headers=tuple(extra))
        return Answer(500, data, keep_alive, reason)
    headers = [*found.headers, *extra]
    if found.file is None:
        data = build_response(
            found.status,
            headers,
            found.body,
            content_type=found.content_type,
            head_only=head_only,
            keep_alive=keep_alive,
        )
        return Answer(found.status, data, keep_alive, found.note)
    head = build_response(
        found.status,
        headers,
        b"",
        content_type=found.content_type,
        head_only=True,
        keep_alive=keep_alive,
        content_length=found.file_size,
    )
    if head_only:
        found.file.close()
        return Answer(found.status, head, keep_alive)
    return Answer(found.status, head, keep_alive, file=found.file, file_size=found.file_size)


def echo_document(request: Request, peer: str) -> bytes:
    """The request as JSON: what a client sent, as this server understood it."""
    path, _, query = request.target.partition("?")
    body = request.body
    try:
        body_text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        body_text, is_base64 = base64.b64encode(body).decode("ascii"), True
    headers: dict[str, str] = {}
    for name, value in request.headers:
        value = readable(value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    document = {
        "method": request.method,
        "path": readable(path),
        "query": parse_qs(readable(query), keep_blank_values=True),
        "http_version": request.version,
        "headers": headers,
        "client": peer,
        "body": body_text,
        "body_base64": is_base64,
        "body_length": len(body),
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
