"""The host entry of the client tabs: checks what was typed and says why it cannot be used."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLineEdit, QSpinBox, QWidget

from app.net.address import AddressError, parse_host
from app.ui.widgets.field_feedback import error_label, mark_invalid


class HostField(QLineEdit):
    """`<prefix>Host`, with its message label `<prefix>HostError` (placed by the tab)."""

    def __init__(self, prefix: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__("127.0.0.1", parent)
        self.setObjectName(f"{prefix}Host")
        self.setPlaceholderText("host name, IPv4 or IPv6 address")
        self.setToolTip(f"{tooltip}; a pasted URL or host:port works")
        self.error_label = error_label(f"{prefix}HostError")
        self.textEdited.connect(self.clear_error)

    def take_host(self, port: QSpinBox) -> str | None:
        """The checked host, or None with the reason shown under the field.

        A pasted URL or host:port is split into the two fields, so the person sees what
        will be used.
        """
        try:
            target = parse_host(self.text())
        except AddressError as exc:
            self.show_error(str(exc))
            return None
        if target.port is not None:
            self.setText(target.host)
            port.setValue(target.port)
        return target.host

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        mark_invalid(self, True)
        self.setFocus()

    @Slot()
    def clear_error(self) -> None:
        self.error_label.hide()
        mark_invalid(self, False)
