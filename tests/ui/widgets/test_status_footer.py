"""The status footer: state, then the progress bar and counters a tab asks for."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar
from pytestqt.qtbot import QtBot

from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import StatusLabel, Tone


def test_status_only(qtbot: QtBot) -> None:
    footer = StatusFooter("probe", "Stopped")
    qtbot.addWidget(footer)
    assert footer.findChild(StatusLabel, "probeStatus") is footer.status
    assert footer.status.plain_text() == "Stopped"
    assert footer.findChild(QProgressBar) is None
    assert footer.findChild(QLabel, "probeCounters") is None


def test_progress_starts_hidden_and_counters_are_named_after_the_prefix(qtbot: QtBot) -> None:
    footer = StatusFooter("probe", "Idle")
    qtbot.addWidget(footer)
    progress = footer.add_progress("probeSendProgress")
    counters = footer.add_counters()
    footer.show()
    assert footer.findChild(QProgressBar, "probeSendProgress") is progress
    assert not progress.isVisible()
    assert footer.findChild(QLabel, "probeCounters") is counters
    footer.status.show_state("Sending", Tone.BUSY)
    assert footer.status.plain_text() == "Sending"
