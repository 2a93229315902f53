"""How a stream tab cuts what it receives into log rows: `<prefix>Framing`, `<prefix>FramingArg`.

The argument is checked as it is typed; while it is invalid the message shows under it and
the last valid framing stays in use. Each kind keeps the argument last typed for it, so
trying another kind and coming back loses nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.net.framing import AS_RECEIVED, FramingError, FramingKind, FramingSpec, parse_framing
from app.ui.widgets.field_feedback import error_label, mark_invalid

# (argument a kind starts with, placeholder, tooltip of the argument field)
_ARGUMENTS: dict[FramingKind, tuple[str, str, str]] = {
    FramingKind.DELIMITER: (
        "\\x03",
        "delimiter, e.g. \\x03 or ;",
        "The bytes that end each message, as text with escapes (\\r \\n \\t \\0 \\\\ \\xNN); "
        "each row keeps its delimiter",
    ),
    FramingKind.LENGTH_PREFIX: (
        "2",
        "1, 2, 4, 2le or 4le",
        "Bytes of the length before each message: 1, 2 or 4, high byte first; 2le and 4le "
        "low byte first. The length does not count the prefix; each row keeps its prefix",
    ),
    FramingKind.FIXED_SIZE: ("16", "bytes per message", "Every message is this many bytes"),
    FramingKind.IDLE_GAP: (
        "100",
        "milliseconds",
        "A message ends when nothing more arrives for this many milliseconds",
    ),
}
_NO_ARGUMENT_TIP = "This framing takes no argument"
_KIND_TIPS = {
    FramingKind.AS_RECEIVED: "one row per chunk the network delivered",
    FramingKind.LINES_LF: "one row per line ending in LF (\\n)",
    FramingKind.LINES_CRLF: "one row per line ending in CRLF (\\r\\n)",
    FramingKind.DELIMITER: "one row per message ending in the delimiter typed",
    FramingKind.LENGTH_PREFIX: "one row per length-prefixed message",
    FramingKind.FIXED_SIZE: "one row per block of the size typed",
    FramingKind.IDLE_GAP: "one row per burst followed by a pause",
}
_COMBO_TIP = (
    "How received bytes become log rows: "
    + " · ".join(f"{kind.value}: {tip}" for kind, tip in _KIND_TIPS.items())
    + ". A change applies at once, also to connections already open: the bytes held for "
    "an incomplete message are framed with the new setting. Bytes still held when a "
    "connection ends are one row marked partial; a message past 16 MB turns framing off "
    "for that connection, with one log line."
)


class FramingPicker(QWidget):
    # The FramingSpec in use, emitted on every valid change.
    framing_changed = Signal(object)

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName(f"{prefix}Framing")
        self.kind.addItems([kind.value for kind in FramingKind])
        self.kind.setToolTip(_COMBO_TIP)
        self.argument = QLineEdit()
        self.argument.setObjectName(f"{prefix}FramingArg")
        self.error = error_label(f"{prefix}FramingError")
        self._arguments = {kind: default for kind, (default, _, _) in _ARGUMENTS.items()}
        self._shown = FramingKind.AS_RECEIVED
        self._current = AS_RECEIVED

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Framing")
        label.setToolTip(_COMBO_TIP)
        row.addWidget(label)
        row.addWidget(self.kind)
        # Wide enough for a long delimiter, not the whole row: the argument is short.
        self.argument.setMinimumWidth(200)
        self.argument.setMaximumWidth(320)
        row.addWidget(self.argument, 1)
        row.addStretch(2)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.error)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.argument.textChanged.connect(self._apply)
        self._kind_changed()

    def current(self) -> FramingSpec:
        """The framing in use: the last valid one."""
        return self._current

    def input_widgets(self) -> list[QWidget]:
        # The kind first: restoring it puts that kind's default in the field, which the
        # restored argument then replaces.
        return [self.kind, self.argument]

    @Slot()
    def _kind_changed(self) -> None:
        if self._shown.takes_argument:
            self._arguments[self._shown] = self.argument.text()
        kind = FramingKind(self.kind.currentText())
        self._shown = kind
        text, placeholder, tip = _ARGUMENTS.get(kind, ("", "", _NO_ARGUMENT_TIP))
        self.argument.blockSignals(True)
        self.argument.setText(self._arguments.get(kind, text))
        self.argument.blockSignals(False)
        self.argument.setPlaceholderText(placeholder)
        self.argument.setToolTip(tip)
        self.argument.setEnabled(kind.takes_argument)
        self._apply()

    @Slot()
    def _apply(self) -> None:
        try:
            spec = parse_framing(self._shown, self.argument.text())
        except FramingError as exc:
            self._show_error(f"{exc} — {self._current.describe()} stays in use")
            return
        self._show_error("")
        if spec != self._current:
            self._current = spec
            self.framing_changed.emit(spec)

    def _show_error(self, message: str) -> None:
        mark_invalid(self.argument, bool(message))
        self.error.setText(message)
        self.error.setVisible(bool(message))
