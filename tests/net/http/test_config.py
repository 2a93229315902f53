"""The HTTP server's field checks, fed text directly: what a field accepts and why not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.net.http.config import (
    HttpConfigError,
    check_content_type,
    check_folder,
    parse_header_lines,
)


def test_header_lines_become_pairs_with_blank_lines_and_crlf_ignored() -> None:
    text = "X-One: 1\r\n\n   \nX-Two:  spaced value  \nX-Empty:\nX-Colon: a:b"
    assert parse_header_lines(text) == (
        ("X-One", "1"),
        ("X-Two", "spaced value"),
        ("X-Empty", ""),
        ("X-Colon", "a:b"),
    )
    assert parse_header_lines("") == ()
    # Latin-1 is what goes on the wire unchanged.
    assert parse_header_lines("X-Latin: caf\xe9") == (("X-Latin", "caf\xe9"),)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("X-Ok: 1\nno colon here", "Line 2: write a header as Name: value"),
        ("Bad Name: v", "Line 1: 'Bad Name' is not a valid header name"),
        (": no name", "Line 1: '' is not a valid header name"),
        ("X-Inject: a\rSet-Cookie: b", "Line 1: control characters are not allowed"),
        ("X-Tab\x0b: v", "Line 1: control characters are not allowed"),
        ("X-Nul: a\x00b", "Line 1: control characters are not allowed"),
        ("X-Del: a\x7f", "Line 1: control characters are not allowed"),
        ("X-Snow: ☃", "Line 1: header values must be Latin-1 (use %-encoding)"),
        ("content-length: 5", "Line 1: Content-Length is set automatically from the body"),
        ("Transfer-Encoding: chunked", "Line 1: Transfer-Encoding is not supported"),
        ("CONTENT-TYPE: text/plain", "Line 1: Content-Type has its own field"),
        ("Connection: close", "Line 1: Connection is managed by the server"),
    ],
)
def test_unusable_header_lines_say_which_line_and_why(text: str, reason: str) -> None:
    with pytest.raises(HttpConfigError) as raised:
        parse_header_lines(text)
    assert str(raised.value).startswith(reason), raised.value


def test_a_tab_inside_a_header_value_is_allowed() -> None:
    assert parse_header_lines("X-Tab: a\tb") == (("X-Tab", "a\tb"),)


def test_content_type_is_trimmed_and_must_be_one_latin_1_line() -> None:
    assert check_content_type("  text/plain; charset=utf-8 ") == "text/plain; charset=utf-8"
    assert check_content_type("") == ""
    with pytest.raises(HttpConfigError, match="line breaks or control characters"):
        check_content_type("text/plain\r\nX-Evil: 1")
    with pytest.raises(HttpConfigError, match="plain ASCII"):
        check_content_type("text/☃")


def test_folder_is_made_absolute_and_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check_folder(f"  {tmp_path}  ") == str(tmp_path)
    monkeypatch.chdir(tmp_path.parent)
    assert check_folder(tmp_path.name) == str(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert check_folder("~") == str(tmp_path)
    with pytest.raises(HttpConfigError, match=r"^Choose a folder to serve$"):
        check_folder("   ")
    with pytest.raises(HttpConfigError, match=r"^No folder at "):
        check_folder(str(tmp_path / "missing"))
    (tmp_path / "file.txt").write_text("not a folder")
    with pytest.raises(HttpConfigError, match=r"^No folder at .*file.txt$"):
        check_folder(str(tmp_path / "file.txt"))


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads every folder"
)
def test_an_unreadable_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(HttpConfigError, match=r"^Cannot read the folder "):
            check_folder(str(locked))
    finally:
        locked.chmod(0o755)
