"""Which leg of the relay an event belongs to, in its `detail` (no sockets, no Qt).

A relay has two conversations per client: client <-> relay (the leg it accepted) and
relay <-> target (the leg it opened). Every relay event's `detail` starts with
`"<TCP|UDP> · <client|target> leg"`, then the direction the bytes travel, then what the
faults did: `"TCP · target leg · Client to target · held 300 ms"`. The log's detail view
shows it as it reads; the pcapng export reads the first two parts to build both legs
as flows (`parse_leg`).
"""

from __future__ import annotations

from typing import NamedTuple

from app.net.relay.faults import Direction

SEPARATOR = " · "
_LEGS = {"client leg": True, "target leg": False}


class Leg(NamedTuple):
    udp: bool
    accepted: bool  # the client's leg: the relay accepted it (the client sent the SYN)


def leg_detail(udp: bool, client_leg: bool, direction: Direction | None = None) -> str:
    parts = ["UDP" if udp else "TCP", "client leg" if client_leg else "target leg"]
    if direction is not None:
        parts.append(direction.value)
    return SEPARATOR.join(parts)


def with_note(detail: str, note: str) -> str:
    return f"{detail}{SEPARATOR}{note}" if note else detail


def parse_leg(detail: str) -> Leg | None:
    protocol, _, rest = detail.partition(SEPARATOR)
    leg = rest.partition(SEPARATOR)[0]
    if protocol not in ("TCP", "UDP") or leg not in _LEGS:
        return None
    return Leg(protocol == "UDP", _LEGS[leg])


def shown_peer(peer: str, detail: str, sent: bool) -> str:
    """The log's Peer cell of a relay row, direction included: `client 127.0.0.1:5000 →`
    for bytes the relay received from the client, `→ target 127.0.0.1:8000` for bytes it
    sent the target (the row's kind says received or sent; the arrow which way)."""
    leg = parse_leg(detail)
    if leg is None:
        return peer
    side = "client" if leg.accepted else "target"
    return f"→ {side} {peer}" if sent else f"{side} {peer} →"
