"""The WebSocket client's states as the HTTP Client tab sees them; no sockets."""

from __future__ import annotations

import enum
from typing import NamedTuple


class WebSocketState(enum.Enum):
    CLOSED = "Closed"
    CONNECTING = "Connecting…"  # TCP, TLS and the upgrade request
    OPEN = "Open"
    CLOSING = "Closing…"  # our close frame is sent, the peer's is awaited


class WebSocketStatus(NamedTuple):
    state: WebSocketState
    url: str = ""
    subprotocol: str = ""
