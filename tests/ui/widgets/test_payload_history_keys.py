"""Up / Down in a payload field walk its editor's history, format and line ending too."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.messages.history import TypedPayload
from app.payload import LineEnding, PayloadFormat
from app.ui.widgets.payload_editor import LARGE_PASTE, PayloadEditor

HEX = PayloadFormat.HEX
TEXT = PayloadFormat.TEXT


def make(qtbot: QtBot) -> PayloadEditor:
    editor = PayloadEditor("t", "")
    qtbot.addWidget(editor)
    editor.show()
    return editor


def send(editor: PayloadEditor, payload: TypedPayload) -> None:
    editor.set_typed_payload(payload)
    editor.mark_sent()


def press(qtbot: QtBot, editor: PayloadEditor, key: Qt.Key) -> TypedPayload | None:
    qtbot.keyClick(editor.field, key)
    return editor.typed_payload()


def test_up_and_down_restore_text_format_and_line_ending(qtbot: QtBot) -> None:
    editor = make(qtbot)
    first = TypedPayload("01 03 00 00", HEX, LineEnding.NONE)
    second = TypedPayload("GET / HTTP/1.0", TEXT, LineEnding.CRLF)
    send(editor, first)
    send(editor, second)
    editor.set_typed_payload(TypedPayload("being typed", TEXT, LineEnding.LF))
    assert press(qtbot, editor, Qt.Key.Key_Up) == second
    assert editor.line_ending_combo.currentData() is LineEnding.CRLF
    assert press(qtbot, editor, Qt.Key.Key_Up) == first
    assert editor.format_combo.currentText() == "Hex"
    assert editor.payload() == b"\x01\x03\x00\x00", "the recalled payload is what Send sends"
    assert press(qtbot, editor, Qt.Key.Key_Up) == first, "the oldest stays"
    assert press(qtbot, editor, Qt.Key.Key_Down) == second
    assert press(qtbot, editor, Qt.Key.Key_Down) == TypedPayload("being typed", TEXT, LineEnding.LF)
    assert press(qtbot, editor, Qt.Key.Key_Down) == TypedPayload("being typed", TEXT, LineEnding.LF)


def test_typing_makes_a_new_draft(qtbot: QtBot) -> None:
    editor = make(qtbot)
    send(editor, TypedPayload("one"))
    send(editor, TypedPayload("two"))
    editor.field.clear()
    press(qtbot, editor, Qt.Key.Key_Up)
    press(qtbot, editor, Qt.Key.Key_Up)
    qtbot.keyClicks(editor.field, "!")
    assert editor.field.text() == "one!"
    assert press(qtbot, editor, Qt.Key.Key_Up) == TypedPayload("two")
    assert press(qtbot, editor, Qt.Key.Key_Down) == TypedPayload("one!")


def test_a_send_is_recorded_once_and_signalled(qtbot: QtBot) -> None:
    editor = make(qtbot)
    editor.field.setText("ping")
    with qtbot.waitSignal(editor.history_changed, timeout=1000):
        editor.mark_sent()
    with qtbot.assertNotEmitted(editor.history_changed):
        editor.mark_sent()
    assert editor.history.entries() == [TypedPayload("ping")]


def test_a_loaded_file_is_not_recorded_and_keys_leave_it(qtbot: QtBot, tmp_path: object) -> None:
    editor = make(qtbot)
    send(editor, TypedPayload("typed"))
    editor.set_blob(b"\x00" * 10, "file.bin")
    editor.mark_sent()
    assert editor.history.entries() == [TypedPayload("typed")]
    qtbot.keyClick(editor.field, Qt.Key.Key_Up)
    assert editor.payload() == b"\x00" * 10


def test_modified_arrows_are_left_to_the_line_edit(qtbot: QtBot) -> None:
    editor = make(qtbot)
    send(editor, TypedPayload("old"))
    editor.field.setText("new")
    qtbot.keyClick(editor.field, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert editor.field.text() == "new"


def test_a_payload_set_while_a_large_paste_is_parsed_wins(qtbot: QtBot) -> None:
    editor = make(qtbot)
    QGuiApplication.clipboard().setText("a" * (LARGE_PASTE + 1))
    editor.field.setFocus()
    with qtbot.waitSignal(editor._paste_parsed, timeout=30_000):
        qtbot.keyClick(editor.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert not editor.field.isEnabled(), "parsing"
        editor.set_typed_payload(TypedPayload("from the library"))
    assert editor.field.isEnabled() and not editor.field.isReadOnly()
    assert editor.payload() == b"from the library"
