"""Where a server tab listens: the bind address, its message, and the warning a person
sees before exposing a server to the network (DESIGN rule 7)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

from app.net.address import AddressError, check_host, is_loopback
from app.ui.widgets.field_feedback import error_label, mark_invalid
from app.ui.widgets.target_row import TargetRow

_WARNING_STYLE = (
    "QLabel { color: #7a4b00; background: #fff4d6; border: 1px solid #e0a000;"
    " border-radius: 3px; padding: 3px 6px; }"
)
_TOOLTIP = (
    "Address to listen on: 127.0.0.1 or ::1 (this machine only), localhost (both),\n"
    "0.0.0.0 or :: (every network interface), or one address of this machine"
)

# What anyone on the network could do, said by each tab: (host, port) -> sentence.
Exposure = Callable[[str, int], str]


def parse_bind(text: str) -> str:
    """An address to listen on: an IP literal of this machine or `localhost`."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() == "localhost":
        return "localhost"
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        raise AddressError(
            "Enter an IP address of this machine (127.0.0.1, ::1, 0.0.0.0, ::) or localhost"
        ) from None
    return check_host(host)


class BindField(QLineEdit):
    """`<prefix>Bind` with `<prefix>BindError` under it and `<prefix>Warning`.

    The warning updates as the address or port changes; the error shows when the tab
    asks for the address (`take_bind`), not while the person is still typing.
    """

    def __init__(
        self,
        prefix: str,
        exposure: Exposure,
        parent: QWidget | None = None,
        host_label: str = "Bind",
    ) -> None:
        super().__init__("127.0.0.1", parent)
        self.setObjectName(f"{prefix}Bind")
        self.setToolTip(_TOOLTIP)
        self._exposure = exposure
        self.error = error_label(f"{prefix}BindError")
        self.warning = QLabel()
        self.warning.setObjectName(f"{prefix}Warning")
        self.warning.setStyleSheet(_WARNING_STYLE)
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.row = TargetRow(prefix, self, self.error, host_label=host_label)
        self.port: QSpinBox = self.row.port
        self.textChanged.connect(self._update_warning)
        self.port.valueChanged.connect(self._update_warning)
        self._update_warning()

    def take_bind(self) -> str | None:
        """The address to listen on, or None with the reason shown under the field."""
        try:
            host = parse_bind(self.text())
        except AddressError as exc:
            self.error.setText(str(exc))
            self.error.show()
            mark_invalid(self, True)
            self.setFocus()
            return None
        return host

    @Slot()
    def _update_warning(self) -> None:
        self.error.hide()
        mark_invalid(self, False)
        try:
            host = parse_bind(self.text())
        except AddressError:
            self.warning.hide()  # the error is shown when the tab asks for the address
            return
        if is_loopback(host):
            self.warning.hide()
            return
        self.warning.setText(
            f"⚠ Reachable from the network: {self._exposure(host, self.port.value())} "
            "Use 127.0.0.1 to keep it private."
        )
        self.warning.show()
