"""SenderProgress on its own, with a stand-in sender (records only; no socket needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from app.net.reactor import Reactor
from app.net.udp.sender_progress import SenderProgress
from app.net.udp.status import UdpProgress


class _Run:
    sent, total, requested = 3, 10, 100.0

    def rate(self) -> float:
        return 99.5


def test_a_forced_report_carries_the_run_and_keeps_it_after_the_run_ends() -> None:
    reactor = Reactor()
    try:
        reports: list[UdpProgress] = []
        sender = SimpleNamespace(run=_Run(), sent=3, sent_bytes=30, received=2, received_bytes=20)
        progress = SenderProgress(reactor, cast(Any, sender), reports.append)
        progress.report(force=True)
        sender.run = None  # the run ended: its last counts stay in the reports
        sender.received = 3
        progress.report(force=True)
        assert reports == [
            UdpProgress(3, 10, 99.5, 3, 30, 2, 20, 100.0),
            UdpProgress(3, 10, 99.5, 3, 30, 3, 20, 100.0),
        ]
    finally:
        reactor.close()


def test_without_a_listener_nothing_is_reported() -> None:
    reactor = Reactor()
    try:
        progress = SenderProgress(reactor, cast(Any, SimpleNamespace(run=None)), None)
        progress.report(force=True)  # no callback: no attribute of the sender is read
        progress.cancel()
    finally:
        reactor.close()
