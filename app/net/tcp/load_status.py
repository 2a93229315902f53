"""What a TCP load run is asked to do and reports back (no sockets: the GUI imports it)."""

from __future__ import annotations

import enum
from collections import Counter
from typing import NamedTuple

from app.net.framing import AS_RECEIVED, FramingSpec
from app.net.pacing import describe_rates
from app.payload import Message
from app.units import format_bytes, plural


class TcpLoadJob(NamedTuple):
    """`connections` connections to host:port, `count` messages on each, `interval` s apart
    on each connection (0: the next one as soon as the previous one is written)."""

    host: str
    port: int
    message: Message
    count: int = 1  # type: ignore[assignment]  # shadows tuple.count, never called on a job
    interval: float = 0.0
    connections: int = 1
    timeout: float = 5.0  # for each connection attempt
    framing: FramingSpec = AS_RECEIVED

    @property
    def total(self) -> int:
        return self.count * self.connections

    @property
    def requested(self) -> float | None:
        """Messages per second over all connections; None: as fast as the peer takes them."""
        return self.connections / self.interval if self.interval > 0 else None


class LoadPhase(enum.Enum):
    CONNECTING = "Connecting"
    SENDING = "Sending"
    FINISHING = "Waiting for the last replies"
    DONE = "Done"


class TcpLoadProgress(NamedTuple):
    phase: LoadPhase
    connections: int  # asked for
    connected: int = 0  # ever connected
    failed: int = 0  # connection attempts that failed
    open: int = 0  # connected now
    sent: int = 0  # messages written
    total: int = 0  # messages the run will send (less once connections fail)
    received: int = 0  # messages (framed) received
    sent_bytes: int = 0
    received_bytes: int = 0
    requested: float | None = None
    achieved: float = 0.0


def describe_reasons(reasons: Counter[str]) -> str:
    """`Connection refused (48), Timed out after 5 s (2)`: the most common first."""
    return ", ".join(f"{reason} ({count:,})" for reason, count in reasons.most_common())


def describe_outcome(
    lead: str,
    progress: TcpLoadProgress,
    seconds: float | None,
    connect_failures: Counter[str],
    early_ends: Counter[str],
    unsent: int,
) -> str:
    """The run's one closing line: what went and came back, the rates, what failed."""
    parts = [lead]
    if seconds is not None:
        of = f" of {progress.total + unsent:,}" if progress.sent < progress.total + unsent else ""
        parts.append(
            f": {plural(progress.connected, 'connection')} · "
            f"sent {progress.sent:,}{of} messages ({format_bytes(progress.sent_bytes)}) · "
            f"received {plural(progress.received, 'message')} "
            f"({format_bytes(progress.received_bytes)}) in {seconds:.2f} s; "
            + describe_rates(progress.requested, progress.achieved)
        )
    if connect_failures:
        failed = sum(connect_failures.values())
        parts.append(f"; {failed:,} failed to connect: {describe_reasons(connect_failures)}")
    if early_ends:
        ended = sum(early_ends.values())
        parts.append(f"; {ended:,} ended early: {describe_reasons(early_ends)}")
    if unsent:
        parts.append(f"; {plural(unsent, 'message')} not sent")
    return "".join(parts)
