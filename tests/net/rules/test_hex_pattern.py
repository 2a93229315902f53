"""Hex patterns: plain bytes compare, ?? and * become a timed whole-message match."""

from __future__ import annotations

import pytest

from app.net.rules.hex_pattern import compile_hex_pattern
from app.net.user_regex import PatternError


@pytest.mark.parametrize("source", ["02 41 03", "024103", "0x02,0x41,0x03", "02:41-03"])
def test_plain_bytes_are_a_literal(source: str) -> None:
    pattern = compile_hex_pattern(source)
    assert pattern.literal == b"\x02A\x03" and pattern.wildcard is None


def test_any_byte() -> None:
    pattern = compile_hex_pattern("02 ?? ?? 03").wildcard
    assert pattern is not None
    assert pattern.fullmatch(b"\x02\x00\xff\x03") is not None
    assert pattern.fullmatch(b"\x02\n\n\x03") is not None  # ?? is any byte, newline too
    assert pattern.fullmatch(b"\x02\x00\x03") is None
    assert pattern.fullmatch(b"\x02\x00\x00\x03\x00") is None


def test_any_run() -> None:
    pattern = compile_hex_pattern("AA 55 *").wildcard
    assert pattern is not None
    assert pattern.fullmatch(b"\xaa\x55") is not None
    assert pattern.fullmatch(b"\xaa\x55\x01\x02\x03") is not None
    assert pattern.fullmatch(b"\x00\xaa\x55") is None
    middle = compile_hex_pattern("01 * * 04").wildcard
    assert middle is not None and middle.fullmatch(b"\x01\x02\x03\x04") is not None


def test_regex_metacharacters_in_bytes_are_literal() -> None:
    # 0x2e is "." and 0x2a is "*": they must match only themselves.
    pattern = compile_hex_pattern("2e 2a ??").wildcard
    assert pattern is not None
    assert pattern.fullmatch(b".*x") is not None
    assert pattern.fullmatch(b"ab*") is None


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("02 4", "lone hex digit '4' at position 4"),
        ("02 ? 03", r"lone '\?' at position 4"),
        ("02 zz", "'z' at position 4 is not a hex digit"),
        ("0x", "lone hex digit '0' at position 1"),
    ],
)
def test_mistakes_say_where(source: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_hex_pattern(source)


def test_the_bytes_before_the_first_wildcard_are_its_prefix() -> None:
    assert compile_hex_pattern("02 10 ?? 03").prefix == b"\x02\x10"
    assert compile_hex_pattern("?? 01").prefix == b""
    assert compile_hex_pattern("AA *").prefix == b"\xaa"
