"""The relay's states, status and connection rows (no sockets: the GUI imports it)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import NamedTuple


class RelayProtocol(enum.Enum):
    TCP = "TCP"
    UDP = "UDP"


class RelayState(enum.Enum):
    STOPPED = "Stopped"
    STARTING = "Starting…"
    RELAYING = "Relaying"


class RelayStatus(NamedTuple):
    state: RelayState
    protocol: RelayProtocol = RelayProtocol.TCP
    bound: str = ""  # where the relay listens: "127.0.0.1:9000"
    target: str = ""  # where it forwards to: "127.0.0.1:8000"
    connections: int = 0
    error: str = ""


class RelayRow(NamedTuple):
    """One client (a TCP connection or a UDP client address) as the table shows it.

    `since` is a time.monotonic() value; `to_target` and `to_client` count the bytes the
    relay forwarded each way (injected bytes included).
    """

    client: str
    since: float
    to_target: int
    to_client: int
    state: str = ""  # "Connecting to target…", "Open", "Client finished", …


StateCallback = Callable[[RelayStatus], None]
RowsCallback = Callable[[list[RelayRow]], None]
