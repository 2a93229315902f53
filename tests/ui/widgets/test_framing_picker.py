"""FramingPicker: kind and argument, checked as typed, the last valid framing kept."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.net.framing import AS_RECEIVED, FramingKind, FramingSpec, parse_framing
from app.ui.widgets.framing_picker import FramingPicker


def make(qtbot: QtBot) -> FramingPicker:
    picker = FramingPicker("test")
    qtbot.addWidget(picker)
    return picker


def test_as_received_by_default_with_the_argument_off(qtbot: QtBot) -> None:
    picker = make(qtbot)
    assert picker.kind.objectName() == "testFraming"
    assert picker.argument.objectName() == "testFramingArg"
    assert picker.kind.currentText() == "As received" and picker.current() == AS_RECEIVED
    assert [picker.kind.itemText(i) for i in range(picker.kind.count())] == [
        k.value for k in FramingKind
    ]
    assert not picker.argument.isEnabled()
    assert "no argument" in picker.argument.toolTip()


def test_each_kind_with_an_argument_starts_with_a_usable_one(qtbot: QtBot) -> None:
    picker = make(qtbot)
    seen: list[FramingSpec] = []
    picker.framing_changed.connect(seen.append)
    expected = {
        "Delimiter": parse_framing("Delimiter", "\\x03"),
        "Length prefix": parse_framing("Length prefix", "2"),
        "Fixed size": parse_framing("Fixed size", "16"),
        "Idle gap": parse_framing("Idle gap", "100"),
        "Lines (CRLF)": parse_framing("Lines (CRLF)", ""),
    }
    for kind, spec in expected.items():
        picker.kind.setCurrentText(kind)
        assert picker.current() == spec, kind
        assert picker.argument.isEnabled() is FramingKind(kind).takes_argument
        assert picker.error.isHidden()
    assert seen == list(expected.values())
    picker.kind.setCurrentText("Length prefix")
    assert picker.argument.placeholderText() == "1, 2, 4, 2le or 4le"
    assert "high byte first" in picker.argument.toolTip()


def test_a_bad_argument_is_shown_under_the_field_and_the_last_good_framing_stays(
    qtbot: QtBot,
) -> None:
    picker = make(qtbot)
    picker.kind.setCurrentText("Fixed size")
    picker.argument.setText("64")
    good = picker.current()
    assert good == parse_framing("Fixed size", "64")
    seen: list[FramingSpec] = []
    picker.framing_changed.connect(seen.append)
    picker.argument.setText("0")
    assert not picker.error.isHidden()
    assert picker.error.text() == (
        "Fixed size: from 1 to 16,000,000 bytes — Fixed size (64 B) stays in use"
    )
    assert "border" in picker.argument.styleSheet()
    assert picker.current() == good and seen == []
    picker.argument.setText("128")
    assert picker.error.isHidden() and picker.argument.styleSheet() == ""
    assert seen == [parse_framing("Fixed size", "128")]


def test_each_kind_keeps_the_argument_typed_for_it(qtbot: QtBot) -> None:
    picker = make(qtbot)
    picker.kind.setCurrentText("Delimiter")
    picker.argument.setText(";")
    picker.kind.setCurrentText("Idle gap")
    assert picker.argument.text() == "100"
    picker.kind.setCurrentText("Lines (LF)")
    assert picker.argument.text() == ""
    picker.kind.setCurrentText("Delimiter")
    assert picker.argument.text() == ";" and picker.current() == parse_framing("Delimiter", ";")
