"""The TCP server's states, reply settings and client rows (no sockets: the GUI imports it)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from app.net.reply import ReplyMode
from app.payload import Message

if TYPE_CHECKING:
    from app.net.rules.responder import Responder


class ServerState(enum.Enum):
    STOPPED = "Stopped"
    LISTENING = "Listening"


# Records built at start-up are NamedTuples, not frozen dataclasses (see tcp/status.py).
class ReplyConfig(NamedTuple):
    """How the server answers each chunk it receives; `data` is the fixed reply, its
    macros rendered per reply; `responder` the compiled rules (used when `mode` is RULES)."""

    mode: ReplyMode = ReplyMode.ECHO
    data: Message = b""
    responder: Responder | None = None


class TcpServerStatus(NamedTuple):
    state: ServerState
    bound: str = ""  # "127.0.0.1:8000", or "127.0.0.1:8000, [::1]:8000" for localhost
    clients: int = 0
    error: str = ""
    tls_fingerprint: str = ""  # SHA-256 of the server certificate while TLS is on


class ClientRow(NamedTuple):
    """One connected client as the table shows it; `since` is a time.monotonic() value."""

    peer: str
    since: float
    bytes_in: int
    bytes_out: int


StateCallback = Callable[[TcpServerStatus], None]
ClientsCallback = Callable[[list[ClientRow]], None]
