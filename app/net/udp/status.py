"""What a UDP run is asked to do and reports back (no sockets: the GUI imports it freely)."""

from __future__ import annotations

import enum
from typing import NamedTuple

from app.payload import MessageTemplate


# A NamedTuple like the records below: `dataclasses` would load inspect, ast and dis, a
# third of what `send udp` on the command line imports before its first datagram.
class UdpJob(NamedTuple):
    """One click of Send: `count` datagrams of `data`, `interval` seconds apart.

    With a `template` (macros), each datagram is rendered from it instead and `data` is
    ignored.
    """

    host: str
    port: int
    data: bytes
    count: int = 1  # type: ignore[assignment]  # shadows tuple.count, never called on a job
    interval: float = 0.0
    local_port: int = 0
    listen: bool = False
    broadcast: bool = False
    template: MessageTemplate | None = None


class UdpState(enum.Enum):
    IDLE = "Idle"
    SENDING = "Sending"
    LISTENING = "Listening"


# Records built at start-up are NamedTuples, not frozen dataclasses: creating the class
# costs 0.08 ms instead of 0.6 ms, and start-up is measured against a bare window.
class UdpStatus(NamedTuple):
    state: UdpState
    peer: str = ""
    local: str = ""  # the socket's own address while one is open
    listening: bool = False  # replies are read (during a run too)


class UdpProgress(NamedTuple):
    """The current run (sent of total, achieved and requested rate: app/net/pacing.py) and
    the sender's lifetime totals."""

    run_sent: int = 0
    run_total: int = 0
    rate: float = 0.0
    sent: int = 0
    sent_bytes: int = 0
    received: int = 0
    received_bytes: int = 0
    requested: float | None = None  # the run's requested rate per second; None: full speed
