"""The target row: host and port named after the tab, extra controls, the host's message."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

from app.ui.widgets.field_feedback import error_label
from app.ui.widgets.host_field import HostField
from app.ui.widgets.target_row import DEFAULT_PORT, TargetRow, port_spin_box


def test_for_peer_names_host_port_and_message_after_the_prefix(qtbot: QtBot) -> None:
    row, host = TargetRow.for_peer("probe", "Where to go")
    qtbot.addWidget(row)
    assert isinstance(host, HostField)
    assert row.findChild(QLineEdit, "probeHost") is host
    assert row.findChild(QSpinBox, "probePort") is row.port
    assert row.findChild(QLabel, "probeHostError") is host.error_label
    assert (row.port.minimum(), row.port.maximum(), row.port.value()) == (1, 65535, DEFAULT_PORT)


def test_controls_are_added_after_the_port_with_their_label(qtbot: QtBot) -> None:
    bind = QLineEdit("127.0.0.1")
    row = TargetRow("probe", bind, error_label("probeBindError"), host_label="Bind")
    qtbot.addWidget(row)
    extra = QCheckBox("Listen")
    row.add(extra, "Mode")
    layout = row.layout()
    assert isinstance(layout, QGridLayout)
    cells = {}
    for index in range(layout.count()):
        grid_row, column, _rows, _columns = layout.getItemPosition(index)
        cells[(grid_row, column)] = layout.itemAt(index).widget()
    first_row = [cells[key] for key in sorted(cells) if key[0] == 0]
    shown = [w.text() if type(w) is QLabel else w.objectName() or w.text() for w in first_row]
    assert shown == ["Bind", "127.0.0.1", "Port", "probePort", "Mode", "Listen"]
    assert first_row[1] is bind
    assert cells[(1, 1)].objectName() == "probeBindError"
    assert extra.parent() is row
    assert row.host is bind


def test_a_host_error_is_shown_and_cleared_by_typing(qtbot: QtBot) -> None:
    row, host = TargetRow.for_peer("probe", "Where to go")
    qtbot.addWidget(row)
    row.show()
    host.setText("bad host name!")
    assert host.take_host(row.port) is None
    assert host.error_label.isVisible()
    qtbot.keyClick(host, "x")
    assert not host.error_label.isVisible()


def test_port_spin_box_allows_any_port_from_its_minimum(qtbot: QtBot) -> None:
    spin = port_spin_box("probeLocalPort", value=0, minimum=0)
    qtbot.addWidget(spin)
    assert (spin.objectName(), spin.minimum(), spin.value()) == ("probeLocalPort", 0, 0)
