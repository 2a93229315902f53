"""The shared payload entry: long text is never cut, large pastes are parsed off the GUI."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.ui.widgets.payload_editor import LARGE_PASTE, PayloadEditor


def make(qtbot: QtBot) -> PayloadEditor:
    editor = PayloadEditor("t", "")
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_text_longer_than_qlineedit_default_limit_is_kept(qtbot: QtBot) -> None:
    editor = make(qtbot)
    editor.field.setText("a" * 40_000)
    assert editor.payload() == b"a" * 40_000


def test_large_paste_is_parsed_in_the_background(qtbot: QtBot) -> None:
    editor = make(qtbot)
    text = "\\x00\\xff" * (3 * 1024 * 1024)  # 24 MB of escapes -> 6 MiB of bytes
    QGuiApplication.clipboard().setText(text)
    editor.field.setFocus()
    ticks: list[float] = []
    qtbot.keyClick(editor.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    # The event loop keeps running while the paste is parsed (waitUntil spins it).
    qtbot.waitUntil(
        lambda: ticks.append(time.monotonic()) is None and editor.payload() is not None,
        timeout=30_000,
    )
    assert editor.payload() == b"\x00\xff" * (3 * 1024 * 1024)
    assert editor.is_valid()
    assert editor.field.isReadOnly() and "6,291,456 bytes" in editor.field.text()
    editor.clear_blob()
    assert editor.payload() == b"" and not editor.field.isReadOnly()


def test_large_invalid_hex_paste_is_refused_with_the_reason(qtbot: QtBot) -> None:
    editor = make(qtbot)
    editor.format_combo.setCurrentText("Hex")
    editor.field.setText("41")
    QGuiApplication.clipboard().setText("4" * (LARGE_PASTE + 1))
    editor.field.setFocus()
    qtbot.keyClick(editor.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Pasted text not used" in editor.error_label.text(), timeout=30_000)
    assert "Odd number of hex digits" in editor.error_label.text()
    # Nothing of the paste is used; the field keeps its earlier, valid content.
    assert editor.field.text() == "41"
    assert editor.payload() == b"A" and editor.is_valid()


def test_missing_file_is_a_field_message(qtbot: QtBot, tmp_path: object) -> None:
    from pathlib import Path

    editor = make(qtbot)
    editor.load_file(Path(str(tmp_path)) / "nope.bin")
    assert "Cannot read nope.bin" in editor.error_label.text()


def test_macros_compile_to_a_template_and_the_first_message_is_shown(qtbot: QtBot) -> None:
    editor = make(qtbot)
    with qtbot.waitSignal(editor.validity_changed, timeout=1000) as changed:
        editor.field.setText("{{nope}}")
    assert changed.args == [False]
    assert editor.message() is None and not editor.is_valid()
    assert editor.error_label.text().startswith("Unknown macro {{nope}} at position 0")
    assert not editor.expanded_label.isVisible()
    editor.line_ending_combo.setCurrentIndex(1)  # LF
    editor.field.setText("id {{counter:3}}")
    message = editor.message()
    assert editor.is_valid() and message is not None and not message.is_static
    assert message.render_number(7) == b"id 007\n"
    assert editor.payload() is None  # no single bytes: each message differs
    assert editor.expanded_label.text() == "First message: id 001\\n"
    editor.field.setText("\\{{counter}}")  # escaped: static, and said so
    assert editor.payload() == b"{{counter}}\n"
    assert editor.expanded_label.text() == "Sends: {{counter}}\\n"
    editor.field.setText("plain")
    assert not editor.expanded_label.isVisible() and editor.payload() == b"plain\n"
