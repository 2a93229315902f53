"""The server side of the opening handshake, for a request the HTTP server has parsed.

The HTTP server's own parser has read the request (head limits, pipelining); wsproto
checks the upgrade fields (GET, `Connection: Upgrade`, version 13, a key) and writes the
101 with its accept token. No extension is accepted (permessage-deflate would hide the
frames' real bytes from the log), and no subprotocol is chosen: the echo speaks none.
"""

from __future__ import annotations

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request
from wsproto.utilities import RemoteProtocolError


class UpgradeRefused(ValueError):
    """The request asks for WebSocket but cannot be upgraded; the text says why."""


def asks_for_websocket(headers: list[tuple[str, str]]) -> bool:
    """Whether an `Upgrade` header names websocket (other upgrades are plain requests)."""
    for name, value in headers:
        if name.lower() == "upgrade" and any(
            token.strip().lower() == "websocket" for token in value.split(",")
        ):
            return True
    return False


def accept_upgrade(target: str, headers: list[tuple[str, str]]) -> tuple[WSConnection, bytes]:
    """The server's connection, open, and the 101 answer's bytes; or UpgradeRefused.

    `target` and the header values are wire text (one Latin-1 character per byte).
    """
    ws = WSConnection(ConnectionType.SERVER)
    wire = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    try:
        ws.initiate_upgrade_connection(wire, target.encode("latin-1"))
    except RemoteProtocolError as exc:
        raise UpgradeRefused(str(exc)) from None
    if not any(isinstance(event, Request) for event in ws.events()):
        raise UpgradeRefused("the request is incomplete")
    return ws, ws.send(AcceptConnection())
