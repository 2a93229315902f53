"""`hcResponse`: the last response (status line, headers, body) in a chosen format, with
`hcResponseFormat`, the note `hcResponseNote` and `hcSaveBody`.

Rendering a large body (pretty JSON of megabytes, a hex dump) runs on a thread; what is
shown is bounded (response_body.py), and Save body… writes the whole body on a thread.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.net.http.client.result import ExchangeResult
from app.ui.widgets.response_body import (
    BodyFormat,
    RenderedBody,
    content_type_of,
    guess_format,
    head_text,
    render_body,
    transfer_note,
    whole_size,
)
from app.units import format_bytes

# Smaller bodies render at once in the GUI thread (well under a millisecond).
INLINE_RENDER = 64 * 1024
COPY_CHUNK = 1024 * 1024  # a spooled body is copied a megabyte at a time


class _Courier(QObject):
    """Carries one thread's answer to the GUI thread.

    The thread emits on this object, which its closure keeps alive, never on the view: a
    view closed while the thread runs is then just a receiver Qt has disconnected.
    """

    done = Signal(object)


def run_on_thread(name: str, work: Callable[[], object], slot: Callable[[object], None]) -> None:
    """`slot(work())` in the GUI thread, `work()` on a thread of its own.

    `slot` must be a `@Slot` of a QObject living in the GUI thread: Qt then queues the
    answer to that receiver, and the courier may end with the thread.
    """
    courier = _Courier()
    courier.done.connect(slot)

    def run() -> None:
        courier.done.emit(work())

    threading.Thread(target=run, name=name, daemon=True).start()


class ResponseText(QPlainTextEdit):
    """The read-only text of the response; `plain_text()` is what automation reads."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hcResponse")
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("The response appears here: status line, headers and body")

    def plain_text(self) -> str:
        return self.toPlainText()


class ResponseView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: ExchangeResult | None = None
        self._head = ""
        self._generation = 0
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("hcResponseFormat")
        for fmt in BodyFormat:
            self.format_combo.addItem(fmt.value, fmt)
        self.format_combo.setToolTip(
            "How the body is shown: text, pretty JSON or a hex dump; chosen from the "
            "Content-Type of each response"
        )
        self.note = QLabel()
        self.note.setObjectName("hcResponseNote")
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.note.setWordWrap(True)
        self.save_button = QPushButton("Save body…")
        self.save_button.setObjectName("hcSaveBody")
        self.save_button.setToolTip("Write the whole body (decoded, as shown) to a file")
        self.save_button.setEnabled(False)
        self.text = ResponseText()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.format_combo)
        row.addWidget(self.note, 1)
        row.addWidget(self.save_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(row)
        column.addWidget(self.text, 1)

        self.format_combo.currentIndexChanged.connect(self._render)
        self.save_button.clicked.connect(self._choose_file)

    # -- public ------------------------------------------------------------------------

    def result(self) -> ExchangeResult | None:
        return self._result

    def show_result(self, result: ExchangeResult) -> None:
        """Show a response, its body in the format its Content-Type suggests."""
        self._result = result
        self._head = head_text(result)
        self.save_button.setEnabled(bool(result.body))
        self.format_combo.setEnabled(True)
        fmt = guess_format(content_type_of(result), result.body)
        self.format_combo.blockSignals(True)
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
        self.format_combo.blockSignals(False)
        self._render()

    def show_message(self, text: str, note: str = "", scroll_to_end: bool = False) -> None:
        """Show text that is not an HTTP response (a failure, WebSocket frames)."""
        self._generation += 1  # a render still running for an older response is dropped
        self._result = None
        self.save_button.setEnabled(False)
        self.format_combo.setEnabled(False)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setPlainText(text)
        self.note.setText(note)
        if scroll_to_end:
            self.text.moveCursor(QTextCursor.MoveOperation.End)
            self.text.ensureCursorVisible()

    def save_body(self, path: Path) -> None:
        """Write the whole body to `path` on a thread; the note says how it went.

        A body the engine spooled (larger than what the result holds) is copied from
        its file, opened here first: the engine may remove the file once a newer
        response arrives, and an open file stays readable to the end of the copy."""
        result = self._result
        if result is None:
            return
        size = whole_size(result)
        source: BinaryIO | None = None
        if result.body_file:
            try:
                source = open(result.body_file, "rb")  # noqa: SIM115 (closed by the thread)
            except OSError as exc:
                self.note.setText(f"Could not save {path.name}: {exc.strerror or exc}")
                return
        body = result.body

        def write() -> str:
            try:
                if source is None:
                    path.write_bytes(body)
                else:
                    with source, open(path, "wb") as target:
                        shutil.copyfileobj(source, target, COPY_CHUNK)
            except OSError as exc:
                return f"Could not save {path.name}: {exc.strerror or exc}"
            return f"Saved {format_bytes(size)} to {path}"

        self.note.setText(f"Saving {format_bytes(size)}…")
        run_on_thread("save body", write, self._on_saved)

    def current_format(self) -> BodyFormat:
        fmt: BodyFormat = self.format_combo.currentData()
        return fmt

    # -- internals -------------------------------------------------------------------

    @Slot()
    def _render(self) -> None:
        result = self._result
        if result is None:
            return
        self._generation += 1
        generation = self._generation
        fmt = self.current_format()
        content_type = content_type_of(result)
        if len(result.body) <= INLINE_RENDER:
            self._on_rendered(generation, render_body(result.body, fmt, content_type))
            return
        self.text.setPlainText(f"{self._head}\n\nRendering {format_bytes(len(result.body))}…")
        self.note.setText("")
        body = result.body

        def work() -> tuple[int, RenderedBody]:
            return generation, render_body(body, fmt, content_type)

        run_on_thread("render body", work, self._on_render_done)

    @Slot(object)
    def _on_saved(self, message: object) -> None:
        self.note.setText(str(message))

    @Slot(object)
    def _on_render_done(self, answer: object) -> None:
        assert isinstance(answer, tuple)
        self._on_rendered(*answer)

    def _on_rendered(self, generation: int, rendered: RenderedBody) -> None:
        if generation != self._generation or self._result is None:
            return
        result = self._result
        text = f"{self._head}\n\n{rendered.text}" if rendered.text else self._head
        self.text.setPlainText(text)
        self.text.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.NoWrap
            if self.current_format() is BodyFormat.HEX
            else QPlainTextEdit.LineWrapMode.WidgetWidth
        )
        notes = [n for n in (rendered.note, transfer_note(result)) if n]
        if not notes and result.body:
            notes.append(format_bytes(len(result.body)))
        self.note.setText("; ".join(notes))
        self.note.setToolTip(self.note.text())

    @Slot()
    def _choose_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # loaded on first use: start-up counts

        result = self._result
        if result is None:
            return
        name = Path(urlsplit(result.url).path).name or "response-body"
        path, _ = QFileDialog.getSaveFileName(self, "Save the response body", name)
        if path:
            self.save_body(Path(path))
