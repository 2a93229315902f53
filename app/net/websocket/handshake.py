"""The client's side of the opening handshake, sans-IO: the upgrade request's bytes, then
the answer's bytes pushed in until wsproto says accepted, refused or broken.

wsproto (h11 underneath) writes the request and checks the 101: `Connection: Upgrade`,
`Upgrade: websocket`, the accept token and a subprotocol that was offered. The answer's
head is kept as it arrived, for the row that shows it.
"""

from __future__ import annotations

from typing import NamedTuple

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, RejectConnection, Request
from wsproto.utilities import RemoteProtocolError

from app.net.websocket.url import WebSocketTarget

# The answer's head is kept for its row up to this size (h11 has its own limit).
MAX_HEAD_KEPT = 64 * 1024
# Set by the handshake itself; a header of these names in the tab's list is left out.
HANDSHAKE_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
    }
)


class Answer(NamedTuple):
    """How the server answered: `status` 101 with `subprotocol`, another status, or
    `failure` (a broken 101 or not HTTP at all); `head` as received."""

    status: int
    head: bytes
    subprotocol: str = ""
    failure: str = ""


class ClientHandshake:
    def __init__(self, target: WebSocketTarget, headers: tuple[tuple[str, str], ...]) -> None:
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.left_out: list[str] = []  # header names the handshake sets itself
        extra: list[tuple[bytes, bytes]] = []
        subprotocols: list[str] = []
        for name, value in headers:
            lowered = name.strip().lower()
            if lowered in HANDSHAKE_HEADERS:
                self.left_out.append(name.strip())
            elif lowered == "sec-websocket-protocol":
                subprotocols += [p.strip() for p in value.split(",") if p.strip()]
            else:
                extra.append((name.strip().encode("latin-1"), value.encode("latin-1")))
        self.request = self.ws.send(
            Request(
                host=target.host_header,
                target=target.target,
                extra_headers=extra,
                subprotocols=subprotocols,
            )
        )
        self._received = bytearray()

    def feed(self, data: bytes) -> Answer | None:
        """The answer once it is complete enough to judge, else None (more is needed).

        After a 101, frames that came with it wait in `ws` for the session."""
        if len(self._received) < MAX_HEAD_KEPT:
            self._received += data
        try:
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return Answer(101, self._head(), event.subprotocol or "")
                if isinstance(event, RejectConnection):
                    return Answer(event.status_code, self._head())
        except RemoteProtocolError as exc:
            return Answer(0, self._head(), failure=str(exc))
        return None

    def _head(self) -> bytes:
        end = self._received.find(b"\r\n\r\n")
        return bytes(self._received[: end + 4 if end >= 0 else len(self._received)])
