"""The first row of a tab: where to connect, send or listen (host and port), then the
tab's own controls, with the host field's message underneath."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from app.ui.widgets.host_field import HostField

DEFAULT_PORT = 8000


def port_spin_box(object_name: str, value: int = DEFAULT_PORT, minimum: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(object_name)
    spin.setRange(minimum, 65535)
    spin.setValue(value)
    return spin


class TargetRow(QWidget):
    """`<label> [host] Port [<prefix>Port] …controls`, the host's error label below.

    `host` is any line edit with its error label; `for_peer` makes the client tabs'
    HostField (`<prefix>Host`, `<prefix>HostError`).
    """

    def __init__(
        self,
        prefix: str,
        host: QLineEdit,
        error: QLabel,
        host_label: str = "Host",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.port = port_spin_box(f"{prefix}Port")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.addWidget(QLabel(host_label), 0, 0)
        self._grid.addWidget(host, 0, 1)
        self._grid.addWidget(QLabel("Port"), 0, 2)
        self._grid.addWidget(self.port, 0, 3)
        self._next_column = 4
        # Column span -1: the message stretches under every control added later too.
        self._grid.addWidget(error, 1, 1, 1, -1)
        self._grid.setColumnStretch(1, 1)

    @classmethod
    def for_peer(cls, prefix: str, tooltip: str) -> tuple[TargetRow, HostField]:
        host = HostField(prefix, tooltip)
        return cls(prefix, host, host.error_label), host

    def add(self, widget: QWidget, label: str | None = None) -> None:
        """Put `widget` (after a `label`, if given) at the end of the row."""
        if label is not None:
            self._grid.addWidget(QLabel(label), 0, self._next_column)
            self._next_column += 1
        self._grid.addWidget(widget, 0, self._next_column)
        self._next_column += 1
