"""The payload entry shared by the sending tabs: format, line ending, checked input, files."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.messages.history import PayloadHistory, TypedPayload
from app.payload import (
    LineEnding,
    MessageTemplate,
    PayloadError,
    PayloadFormat,
    compile_message,
    encode_large_payload,
    preview,
)
from app.ui.widgets.field_feedback import ERROR_TEXT_STYLE, mark_invalid

# Past this size pasted text is taken as a block of bytes rather than typed into the line
# edit: laying out a multi-megabyte single line would freeze the window.
LARGE_PASTE = 64 * 1024
MAX_FILE = 512 * 1024 * 1024
# Qt.Key_Up and Qt.Key_Down as the ints event.key() gives: naming them as Qt.Key members
# at import would build the Python enum of all ~500 keys, 12 ms of the start-up.
_HISTORY_KEYS = {0x01000013: -1, 0x01000015: +1}
# Up and Down arrive with KeypadModifier on some keyboards; Shift+Up etc. stay with Qt.
_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


class PayloadField(QLineEdit):
    """A line edit that hands large pastes to its owner instead of inserting them, and
    Up / Down to its owner's history."""

    # object, not str: a str signal would copy a 100 MB paste to a QString and back.
    large_paste = Signal(object)
    history_step = Signal(int)  # -1: Up (older), +1: Down (newer)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # QLineEdit silently truncates at 32,767 characters by default.
        self.setMaxLength(2**31 - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) and self._paste_if_large():
            return
        step = _HISTORY_KEYS.get(int(event.key()))
        if step is not None and event.modifiers() in _PLAIN:
            self.history_step.emit(step)
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu()
        for action in menu.actions():
            if action.objectName() == "edit-paste":
                action.triggered.disconnect()
                action.triggered.connect(self._paste)
        menu.exec(event.globalPos())
        menu.deleteLater()

    @Slot()
    def _paste(self) -> None:
        if not self._paste_if_large():
            self.paste()

    def _paste_if_large(self) -> bool:
        text = QGuiApplication.clipboard().text()
        if len(text) <= LARGE_PASTE:
            return False
        self.large_paste.emit(text)
        return True


class PayloadEditor(QWidget):
    """Builds `<prefix>Payload`, `<prefix>Format`, `<prefix>LineEnding` and friends.

    `message()` returns what to send, its `{{...}}` macros compiled (rendered by the
    worker per message sent), or None while the input is invalid (the reason is shown
    under the field, an unknown macro too). A file or a large paste is held as a block of
    bytes, sent as it is. With macros, `<prefix>PayloadExpanded` shows the first message.
    """

    validity_changed = Signal(bool)
    submitted = Signal()
    history_changed = Signal()  # a payload was added to `history`
    # (generation, bytes or error text) from the thread that parses a large paste
    _paste_parsed = Signal(int, object)

    def __init__(self, prefix: str, default_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._blob: bytes | None = None
        self._blob_label = ""
        self._valid = True
        self._message: MessageTemplate | None = None
        self._paste_generation = 0
        self.history = PayloadHistory()

        self.field = PayloadField()
        self.field.setObjectName(f"{prefix}Payload")
        self.field.setText(default_text)
        self.field.setPlaceholderText(
            "Text with escapes \\r \\n \\t \\0 \\\\ \\xNN, or hex bytes; "
            "macros such as {{counter}} {{crc16_modbus}}"
        )
        self.format_combo = QComboBox()
        self.format_combo.setObjectName(f"{prefix}Format")
        for fmt in PayloadFormat:
            self.format_combo.addItem(fmt.value, fmt)
        self.format_combo.setToolTip("How the payload field is read: text with escapes, or hex")
        self.line_ending_combo = QComboBox()
        self.line_ending_combo.setObjectName(f"{prefix}LineEnding")
        for ending, label in (
            (LineEnding.NONE, "No line ending"),
            (LineEnding.LF, "LF  \\n"),
            (LineEnding.CRLF, "CRLF  \\r\\n"),
        ):
            self.line_ending_combo.addItem(label, ending)
        self.line_ending_combo.setToolTip("Appended to every message sent")
        self.load_button = QPushButton("Load file…")
        self.load_button.setObjectName(f"{prefix}LoadFile")
        self.load_button.setToolTip("Send the exact bytes of a file")
        self.edit_button = QPushButton("Type instead")
        self.edit_button.setObjectName(f"{prefix}PayloadEdit")
        self.edit_button.setToolTip("Forget the loaded bytes and type a payload again")
        self.edit_button.hide()
        self.error_label = QLabel()
        self.error_label.setObjectName(f"{prefix}PayloadError")
        self.error_label.setStyleSheet(ERROR_TEXT_STYLE)
        self.error_label.hide()
        self.error_label.setWordWrap(True)  # the unknown-macro message lists every macro
        self.expanded_label = QLabel()
        self.expanded_label.setObjectName(f"{prefix}PayloadExpanded")
        self.expanded_label.setStyleSheet("color: palette(placeholder-text);")
        self.expanded_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.format_combo)
        row.addWidget(self.line_ending_combo)
        row.addWidget(self.load_button)
        row.addWidget(self.edit_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.error_label)
        column.addWidget(self.expanded_label)

        self.field.textChanged.connect(self._revalidate)
        self.field.returnPressed.connect(self._submit)
        self.field.large_paste.connect(self._take_large_paste)
        self.field.history_step.connect(self._step_history)
        self.field.textEdited.connect(self._stop_browsing)
        self._paste_parsed.connect(self._on_paste_parsed)
        self.format_combo.currentIndexChanged.connect(self._revalidate)
        self.line_ending_combo.currentIndexChanged.connect(self._revalidate)
        self.load_button.clicked.connect(self._choose_file)
        self.edit_button.clicked.connect(self.clear_blob)
        self._revalidate()

    # -- public ------------------------------------------------------------------------

    def message(self) -> MessageTemplate | None:
        return self._message

    def payload(self) -> bytes | None:
        """The exact bytes when every message is the same; None while the input is
        invalid or when macros make each message different (see `message()`)."""
        return self._message.static if self._message is not None else None

    def is_valid(self) -> bool:
        return self._valid

    def input_widgets(self) -> list[QWidget]:
        """The widgets whose values are remembered between runs."""
        return [self.field, self.format_combo, self.line_ending_combo]

    def typed_payload(self) -> TypedPayload | None:
        """What is typed and how it is read; None while a file or a large paste is held."""
        if self._blob is not None:
            return None
        return TypedPayload(
            self.field.text(), self.format_combo.currentData(), self.line_ending_combo.currentData()
        )

    def set_typed_payload(self, payload: TypedPayload) -> None:
        """Show `payload` (from the history or the message library) as if typed."""
        if self._blob is not None or not self.field.isEnabled():
            self.clear_blob()  # also drops a large paste still being parsed
        self.format_combo.setCurrentIndex(self.format_combo.findData(payload.format))
        self.line_ending_combo.setCurrentIndex(self.line_ending_combo.findData(payload.line_ending))
        self.field.setText(payload.text)

    def mark_sent(self) -> None:
        """The tab handed the payload to its worker: remember it in the history."""
        typed = self.typed_payload()
        if typed is not None and self.history.record(typed):
            self.history_changed.emit()

    def set_blob(self, data: bytes, label: str) -> None:
        """Send exactly these bytes (a file or a large paste) until the user types again."""
        self._blob = data
        self._blob_label = label
        self.field.blockSignals(True)
        self.field.setText(f"{label}: {len(data):,} bytes")
        self.field.blockSignals(False)
        self.field.setReadOnly(True)
        self.format_combo.setEnabled(False)
        self.line_ending_combo.setEnabled(False)
        self.edit_button.show()
        self._revalidate()

    @Slot()
    def clear_blob(self) -> None:
        self._paste_generation += 1
        self.field.setEnabled(True)
        self._blob = None
        self.field.setReadOnly(False)
        self.format_combo.setEnabled(True)
        self.line_ending_combo.setEnabled(True)
        self.edit_button.hide()
        self.field.clear()
        self.field.setFocus()
        self._revalidate()

    # -- internals -------------------------------------------------------------------

    @Slot()
    def _revalidate(self) -> None:
        error = ""
        if self._blob is not None:
            self._message = MessageTemplate.literal(self._blob)
        else:
            try:
                self._message = compile_message(
                    self.field.text(),
                    self.format_combo.currentData(),
                    self.line_ending_combo.currentData(),
                )
            except PayloadError as exc:
                self._message = None
                error = exc.message
        self._show_error(error)
        self._show_expanded()

    def _show_expanded(self) -> None:
        """With macros, what they make of the first message (a checksum is checked by eye)."""
        message = self._message
        if message is None or self._blob is not None or "{{" not in self.field.text():
            self.expanded_label.hide()
            return
        fmt = self.format_combo.currentData()
        shown = preview(message.sample(), fmt, 120)
        lead = "Sends" if message.is_static else "First message"
        self.expanded_label.setText(f"{lead}: {shown}")
        self.expanded_label.show()

    def _show_error(self, error: str) -> None:
        valid = not error
        self.error_label.setText(error)
        self.error_label.setVisible(not valid)
        mark_invalid(self.field, not valid)
        self.field.setToolTip(error)
        self._set_valid(valid and self._message is not None)

    def _set_valid(self, valid: bool) -> None:
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    @Slot(int)
    def _step_history(self, step: int) -> None:
        current = self.typed_payload()
        if current is None:
            return
        entry = self.history.older(current) if step < 0 else self.history.newer()
        if entry is not None:
            self.set_typed_payload(entry)

    @Slot()
    def _stop_browsing(self) -> None:
        # Typing makes the text a new draft: the next Up starts again from the newest.
        self.history.stop_browsing()

    @Slot()
    def _submit(self) -> None:
        if self._valid:
            self.submitted.emit()

    @Slot(object)
    def _take_large_paste(self, text: str) -> None:
        # Parsing tens of megabytes of escapes or hex takes seconds: do it off the GUI
        # thread and keep Send disabled until the bytes are ready.
        self._paste_generation += 1
        generation = self._paste_generation
        fmt = self.format_combo.currentData()
        ending = self.line_ending_combo.currentData()
        self.field.setEnabled(False)
        self._message = None
        self._show_error("")
        self._set_valid(False)
        self.error_label.setStyleSheet("color: palette(placeholder-text);")
        self.error_label.setText(f"Reading {len(text):,} pasted characters…")
        self.error_label.show()

        def parse() -> None:
            try:
                result: bytes | str = encode_large_payload(text, fmt, ending)
            except PayloadError as exc:
                result = exc.message
            self._paste_parsed.emit(generation, result)

        threading.Thread(target=parse, name="parse paste", daemon=True).start()

    @Slot(int, object)
    def _on_paste_parsed(self, generation: int, result: bytes | str) -> None:
        if generation != self._paste_generation:
            return
        self.field.setEnabled(True)
        self.error_label.setStyleSheet(ERROR_TEXT_STYLE)
        if isinstance(result, str):
            # The field keeps what it held before; only say why the paste was not taken.
            self._revalidate()
            self.error_label.setText(f"Pasted text not used: {result}")
            self.error_label.show()
            return
        self.set_blob(result, "Pasted")

    @Slot()
    def _choose_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # loaded on first use: start-up counts

        path, _ = QFileDialog.getOpenFileName(self, "Send the bytes of a file")
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        try:
            size = path.stat().st_size
            if size > MAX_FILE:
                self._show_error(f"{path.name} is {size:,} bytes; the limit is {MAX_FILE:,}")
                return
            data = path.read_bytes()
        except OSError as exc:
            self._show_error(f"Cannot read {path.name}: {exc.strerror or exc}")
            return
        self.set_blob(data, path.name)
