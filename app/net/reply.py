"""How a server tab answers what it receives; shared by the TCP Server and UDP Listener."""

from __future__ import annotations

import enum


class ReplyMode(enum.Enum):
    ECHO = "Echo"  # the exact bytes back to whoever sent them
    FIXED = "Fixed reply"  # the same bytes once per chunk or datagram received
    NONE = "No reply"
    RULES = "Rules"  # the first matching rule of a table answers (app/net/rules/)
