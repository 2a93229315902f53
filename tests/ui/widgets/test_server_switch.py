"""The Start/Stop switch of a server tab: what a click asks for, and what each state shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from app.ui.widgets.server_switch import ServerSwitch
from app.ui.widgets.status_label import StatusLabel, Tone


class Probe:
    """A switch over a status label and two fields, with the requests it made."""

    def __init__(self, qtbot: QtBot) -> None:
        self.parent = QWidget()
        qtbot.addWidget(self.parent)
        self.status = StatusLabel("Stopped", self.parent)
        self.bind = QLineEdit(self.parent)
        self.port = QSpinBox(self.parent)
        self.switch = ServerSwitch("probe", self.status, (self.bind, self.port), self.parent)
        self.requests: list[str] = []
        self.switch.start_requested.connect(lambda: self.requests.append("start"))
        self.switch.stop_requested.connect(lambda: self.requests.append("stop"))
        self._qtbot = qtbot
        self.parent.show()

    def click(self) -> None:
        self._qtbot.mouseClick(self.switch, Qt.MouseButton.LeftButton)

    def tone(self) -> str:
        return self.status.text().split('"color:')[1].split('"')[0]

    def fields_enabled(self) -> tuple[bool, bool]:
        return self.bind.isEnabled(), self.port.isEnabled()


@pytest.fixture
def probe(qtbot: QtBot) -> Probe:
    return Probe(qtbot)


def test_is_the_named_start_button_and_idle(probe: Probe) -> None:
    assert probe.parent.findChild(QPushButton, "probeStart") is probe.switch
    assert probe.switch.text() == "Start" and probe.switch.isEnabled()
    assert not probe.switch.running and not probe.switch.busy
    assert probe.fields_enabled() == (True, True)


def test_a_click_while_stopped_asks_for_a_start_and_nothing_more(probe: Probe) -> None:
    probe.click()
    # The tab may refuse (a bad field): until it calls begin_start nothing changes.
    assert probe.requests == ["start"]
    assert probe.switch.isEnabled() and not probe.switch.busy
    assert probe.status.plain_text() == "Stopped"


def test_starting_disables_the_button_and_ignores_clicks(probe: Probe) -> None:
    probe.click()
    probe.switch.begin_start()
    assert probe.switch.busy and not probe.switch.isEnabled()
    assert probe.status.plain_text() == "Starting…" and probe.tone() == Tone.BUSY.value
    probe.switch.setEnabled(True)  # even if something re-enables it, a start is in flight
    probe.click()
    assert probe.requests == ["start"]


def test_running_shows_stop_the_text_and_locks_the_fields(probe: Probe) -> None:
    probe.switch.begin_start()
    probe.switch.show_running("Listening on 127.0.0.1:8000")
    assert probe.switch.running and not probe.switch.busy
    assert probe.switch.text() == "Stop" and probe.switch.isEnabled()
    assert probe.status.plain_text() == "Listening on 127.0.0.1:8000"
    assert probe.tone() == Tone.GOOD.value
    assert probe.fields_enabled() == (False, False)


def test_a_click_while_running_asks_for_a_stop_once(probe: Probe) -> None:
    probe.switch.show_running("Running")
    probe.click()
    assert probe.requests == ["stop"]
    assert not probe.switch.isEnabled()  # no second Stop while this one is in flight
    assert probe.switch.running  # until the worker says it stopped
    probe.switch.show_stopped()
    assert probe.switch.text() == "Start" and probe.switch.isEnabled()
    assert probe.status.plain_text() == "Stopped" and probe.tone() == Tone.IDLE.value
    assert probe.fields_enabled() == (True, True)


def test_stopped_on_an_error_says_why_in_red(probe: Probe) -> None:
    probe.switch.begin_start()
    probe.switch.show_stopped("Port 8000 is in use")
    assert probe.status.plain_text() == "Stopped · Port 8000 is in use"
    assert probe.tone() == Tone.BAD.value
    assert not probe.switch.busy and not probe.switch.running
    assert probe.switch.text() == "Start" and probe.switch.isEnabled()


def test_failed_shows_the_text_as_it_is(probe: Probe) -> None:
    probe.switch.show_running("Running")
    probe.switch.show_failed("Port 8000 is in use")
    assert probe.status.plain_text() == "Port 8000 is in use"
    assert probe.tone() == Tone.BAD.value
    assert not probe.switch.running and probe.fields_enabled() == (True, True)
