"""MessageLibrary: save, replace, delete, import/export, damaged files set aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.messages.history import TypedPayload
from app.messages.library import (
    KIND,
    LIBRARY_FILE,
    VERSION,
    LibraryFileError,
    MessageLibrary,
    SavedMessage,
    dump_messages,
    parse_messages,
)
from app.payload import LineEnding, PayloadFormat

MODBUS = SavedMessage(
    "Modbus read", "TCP Client", TypedPayload("01 03 00 00 00 0A", PayloadFormat.HEX)
)
HELLO = SavedMessage("Hello", "UDP Sender", TypedPayload("hi\\n", line_ending=LineEnding.CRLF))


@pytest.fixture
def library(tmp_path: Path) -> MessageLibrary:
    return MessageLibrary(tmp_path / LIBRARY_FILE)


def reopened(library: MessageLibrary) -> MessageLibrary:
    again = MessageLibrary(library.path)
    assert again.load() is None
    return again


def test_saved_messages_survive_a_new_library_on_the_same_file(library: MessageLibrary) -> None:
    assert library.load() is None, "no file yet is not a problem"
    assert not library.save(MODBUS)
    assert not library.save(HELLO)
    assert reopened(library).messages() == [MODBUS, HELLO]


def test_the_same_name_replaces_in_place(library: MessageLibrary) -> None:
    library.save(MODBUS)
    library.save(HELLO)
    newer = MODBUS._replace(payload=TypedPayload("01 04 00 00 00 01", PayloadFormat.HEX))
    assert library.save(newer)
    assert reopened(library).messages() == [newer, HELLO]


def test_delete(library: MessageLibrary) -> None:
    library.save(MODBUS)
    library.save(HELLO)
    assert library.delete("Modbus read")
    assert not library.delete("Modbus read")
    assert reopened(library).messages() == [HELLO]


def test_the_file_is_the_documented_json(library: MessageLibrary) -> None:
    library.save(MODBUS)
    document = json.loads(library.path.read_text(encoding="utf-8"))
    assert document == {
        "kind": KIND,
        "version": VERSION,
        "messages": [
            {
                "name": "Modbus read",
                "tab": "TCP Client",
                "payload": "01 03 00 00 00 0A",
                "format": "Hex",
                "line_ending": "None",
            }
        ],
    }
    leftovers = [p.name for p in library.path.parent.iterdir() if p.name != LIBRARY_FILE]
    assert leftovers == [], "the atomic write leaves no temporary file behind"


def test_export_then_import_round_trips(library: MessageLibrary, tmp_path: Path) -> None:
    library.save(MODBUS)
    library.save(HELLO)
    exported = tmp_path / "exported.json"
    library.export_file(exported)
    other = MessageLibrary(tmp_path / "other" / LIBRARY_FILE)
    other.save(MODBUS._replace(payload=TypedPayload("old")))
    other.save(SavedMessage("Mine", "", TypedPayload("x")))
    assert tuple(other.import_file(exported)) == (1, 1)
    assert {m.name: m for m in reopened(other).messages()} == {
        "Modbus read": MODBUS,
        "Mine": SavedMessage("Mine", "", TypedPayload("x")),
        "Hello": HELLO,
    }


def test_a_hand_written_file_needs_only_names_and_payloads() -> None:
    text = '{"messages": [{"name": " ping ", "payload": "ping"}]}'
    assert parse_messages(text) == [SavedMessage("ping", "", TypedPayload("ping"))]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "not JSON (line 1, column 2"),
        ("[]", 'no "messages" list'),
        ('{"kind": "other", "messages": []}', "\"kind\" is 'other'"),
        ('{"version": 9, "messages": []}', "newer Socket Tester (version 9)"),
        ('{"messages": [3]}', "message 1 is not an object"),
        ('{"messages": [{"payload": "x"}]}', 'message 1: "name" must be a non-empty string'),
        ('{"messages": [{"name": "a", "payload": 1}]}', "message 1 ('a'): \"payload\" must be"),
        (
            '{"messages": [{"name": "a", "payload": "", "format": "Morse"}]}',
            "'format' is 'Morse', not one of Text, Hex",
        ),
        (
            '{"messages": [{"name": "a", "payload": "", "line_ending": "CR"}]}',
            "'line_ending' is 'CR', not one of None, LF, CRLF",
        ),
    ],
)
def test_invalid_files_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(LibraryFileError) as caught:
        parse_messages(text)
    assert says in str(caught.value)


def test_an_invalid_import_names_the_file_and_changes_nothing(
    library: MessageLibrary, tmp_path: Path
) -> None:
    library.save(MODBUS)
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [{"name": "ok", "payload": "x"}, {"name": ""}]}')
    with pytest.raises(LibraryFileError, match=r"^bad\.json: message 2"):
        library.import_file(bad)
    with pytest.raises(LibraryFileError, match=r"^missing\.json: cannot read"):
        library.import_file(tmp_path / "missing.json")
    assert reopened(library).messages() == [MODBUS]


def test_a_damaged_file_is_set_aside_and_reported(library: MessageLibrary) -> None:
    library.path.write_bytes(b'{"messages": [ truncated')
    problem = library.load()
    assert problem is not None
    assert "could not be read (not JSON" in problem
    aside = [p for p in library.path.parent.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].name in problem
    assert aside[0].read_bytes() == b'{"messages": [ truncated', "kept byte for byte"
    assert not library.path.exists()
    assert library.messages() == []
    library.save(HELLO)  # a fresh file; the damaged one stays beside it
    assert reopened(library).messages() == [HELLO]
    assert aside[0].exists()


def test_two_damaged_files_in_one_second_are_both_kept(library: MessageLibrary) -> None:
    for garbage in (b"\xff\xfe not utf-8", b"[1, 2"):
        library.path.write_bytes(garbage)
        assert library.load() is not None
    kept = sorted(p.read_bytes() for p in library.path.parent.iterdir())
    assert kept == sorted([b"\xff\xfe not utf-8", b"[1, 2"])


def test_a_folder_in_the_way_is_set_aside_with_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / LIBRARY_FILE
    path.mkdir()
    (path / "inside").write_text("precious")
    library = MessageLibrary(path)
    problem = library.load()
    assert problem is not None and "set aside as messages.json.damaged-" in problem
    library.save(HELLO)
    assert reopened(library).messages() == [HELLO]
    assert [p.read_text() for p in tmp_path.rglob("inside")] == ["precious"]


def test_an_unwritable_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    library = MessageLibrary(blocker / LIBRARY_FILE)  # its folder is a file
    with pytest.raises(LibraryFileError, match="not saved to disk: cannot write"):
        library.save(HELLO)


def test_dump_and_parse_are_inverse() -> None:
    assert parse_messages(dump_messages([MODBUS, HELLO])) == [MODBUS, HELLO]
