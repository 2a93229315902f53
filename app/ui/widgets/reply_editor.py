"""How a server tab answers: `<prefix>ReplyMode`, `<prefix>Reply` and `<prefix>ReplyFormat`,
and in Rules mode the rules table `<prefix>Rules` (rules_editor.py).

The reply is checked as it is typed; while it is invalid the message shows under it and
the last valid reply stays in use, so a half-typed hex string is never sent. Macros
(`{{counter}}`, `{{crc16_modbus}}`, ...) are rendered per reply by the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.net.reply import ReplyMode
from app.payload import Message, PayloadError, PayloadFormat, compile_message
from app.ui.widgets.field_feedback import error_label, mark_invalid
from app.ui.widgets.rules_editor import RulesEditor

if TYPE_CHECKING:
    from app.net.rules.responder import Responder

_MODE_TIPS = {
    ReplyMode.ECHO: "the exact bytes back to the sender",
    ReplyMode.FIXED: "the bytes typed here, once per message received",
    ReplyMode.NONE: "only listen",
    ReplyMode.RULES: "the first matching rule of the table answers",
}


class ReplyEditor(QWidget):
    # (mode, message, responder), emitted on every valid change: the exact bytes, or a
    # MessageTemplate when macros make each reply different (b"" unless mode is FIXED);
    # the responder (the compiled rules) is None unless mode is RULES.
    reply_changed = Signal(object, object, object)
    rules_shown = Signal(bool)

    def __init__(
        self, prefix: str, default: str, protocol: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.setObjectName(f"{prefix}ReplyMode")
        self.mode.addItems([mode.value for mode in ReplyMode])
        self.mode.setToolTip(" · ".join(f"{m.value}: {tip}" for m, tip in _MODE_TIPS.items()))
        self.reply_label = QLabel("Fixed reply")
        self.reply = QLineEdit(default)
        self.reply.setObjectName(f"{prefix}Reply")
        self.reply.setToolTip(
            "Text with escapes (\\r \\n \\t \\xNN) or hex, as the format says; "
            "macros such as {{counter}} or {{crc16_modbus}} are rendered per reply"
        )
        self.format = QComboBox()
        self.format.setObjectName(f"{prefix}ReplyFormat")
        self.format.addItems([fmt.value for fmt in PayloadFormat])
        self.error = error_label(f"{prefix}ReplyError")
        self.rules = RulesEditor(prefix, protocol)
        self.rules.hide()
        self.rules.set_in_use(False)
        self._current: tuple[ReplyMode, Message, Responder | None] = (ReplyMode.ECHO, b"", None)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Mode"))
        row.addWidget(self.mode)
        row.addSpacing(12)
        row.addWidget(self.reply_label)
        row.addWidget(self.reply, 1)
        row.addWidget(self.format)
        row.addStretch(0)  # takes the width the fixed reply leaves in Rules mode
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.error)
        column.addWidget(self.rules, 1)

        self.mode.currentIndexChanged.connect(self._apply)
        self.reply.textChanged.connect(self._apply)
        self.format.currentIndexChanged.connect(self._apply)
        self.rules.responder_changed.connect(self._apply)
        self._apply()

    def current(self) -> tuple[ReplyMode, Message, Responder | None]:
        """The reply in use: the last valid one, and the rules as they stand."""
        return self._current

    def input_widgets(self) -> list[QWidget]:
        return [self.mode, self.reply, self.format, self.rules.view]

    @Slot()
    def _apply(self) -> None:
        mode = ReplyMode(self.mode.currentText())
        fixed = mode is ReplyMode.FIXED
        by_rules = mode is ReplyMode.RULES
        self.reply.setEnabled(fixed)
        self.format.setEnabled(fixed)
        for widget in (self.reply_label, self.reply, self.format):
            widget.setVisible(not by_rules)
        if self.rules.isHidden() is by_rules:
            self.rules.setVisible(by_rules)
            self.rules.set_in_use(by_rules)
            self.rules_shown.emit(by_rules)
        data: Message = b""
        if fixed:
            try:
                template = compile_message(
                    self.reply.text(), PayloadFormat(self.format.currentText())
                )
            except PayloadError as exc:
                self._show_error(str(exc))
                return
            data = template.static if template.static is not None else template
        self._show_error("")
        responder = self.rules.responder() if by_rules else None
        self._current = (mode, data, responder)
        self.reply_changed.emit(mode, data, responder)

    def _show_error(self, message: str) -> None:
        mark_invalid(self.reply, bool(message))
        self.error.setText(message)
        self.error.setVisible(bool(message) and self.reply.isVisibleTo(self))
