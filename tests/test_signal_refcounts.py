"""PySide6 6.12.0 leaks a reference to True per Signal.emit() and aborts Python 3.11.

Guards the version pin in pyproject.toml: 10,000 emits across threads must leave the
reference counts of True, False and None where they were.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QThread, Signal, Slot
from pytestqt.qtbot import QtBot

EMITS = 10_000


class Emitter(QThread):
    ping = Signal(object, bool)

    def run(self) -> None:
        for i in range(EMITS):
            self.ping.emit(None, i % 2 == 0)


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @Slot(object, bool)
    def on_ping(self, _value: object, _flag: bool) -> None:
        self.count += 1


def test_emits_across_threads_keep_refcounts(qtbot: QtBot) -> None:
    receiver = Receiver()
    emitter = Emitter()
    emitter.ping.connect(receiver.on_ping)
    before = [sys.getrefcount(v) for v in (True, False, None)]
    emitter.start()
    qtbot.waitUntil(lambda: receiver.count == EMITS, timeout=20000)
    emitter.wait(5000)
    after = [sys.getrefcount(v) for v in (True, False, None)]
    # A few references come and go with unrelated objects; a leak is one per emit.
    assert all(abs(a - b) < 100 for a, b in zip(after, before, strict=True)), (before, after)
