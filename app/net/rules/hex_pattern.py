"""Hex patterns: the bytes of a whole message, with `??` for any one byte and `*` for any run.

`02 ?? ?? 03` matches every four-byte message that starts with 0x02 and ends with 0x03;
`AA 55 *` every message that starts with AA 55. Bytes are written as hex pairs, with or
without separators (spaces, `:`, `,`, `-`) and `0x` prefixes, as hex payloads are.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import regex

from app.net.user_regex import PatternError, UserRegex

_SEPARATOR = re.compile(r"[\s:,\-]+")
_TOKEN = re.compile(r"0[xX](?=[0-9A-Fa-f?*])|[0-9A-Fa-f]{2}|\?\?|\*")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


class HexPattern(NamedTuple):
    """`literal` when the pattern has no wildcard (a plain comparison), else `wildcard`,
    with `prefix` the bytes before its first wildcard (a cheap test before the match)."""

    literal: bytes | None
    wildcard: UserRegex | None
    prefix: bytes = b""


def compile_hex_pattern(source: str) -> HexPattern:
    """`PatternError` names the first character that is not part of a byte or wildcard."""
    literal = bytearray()
    prefix: bytes | None = None  # set at the first wildcard
    parts: list[bytes] = []  # the regex, used only when there is a wildcard
    wild = False
    at = 0
    end = len(source)
    while at < end:
        gap = _SEPARATOR.match(source, at)
        if gap is not None:
            at = gap.end()
            continue
        token = _TOKEN.match(source, at)
        if token is None:
            raise PatternError(_why_not(source, at))
        text = token.group()
        at = token.end()
        if text in ("0x", "0X"):
            continue
        if wild is False and text in ("??", "*"):
            prefix = bytes(literal)
        if text == "??":
            parts.append(b".")
            wild = True
        elif text == "*":
            if not parts or parts[-1] != b".*":  # "* *" is one run
                parts.append(b".*")
            wild = True
        else:
            byte = bytes.fromhex(text)
            literal += byte
            parts.append(regex.escape(byte))
    if not parts:
        raise PatternError("the pattern is empty")
    if not wild:
        return HexPattern(bytes(literal), None)
    wildcard = UserRegex(source, regex.compile(b"".join(parts), regex.DOTALL))
    return HexPattern(None, wildcard, prefix or b"")


def _why_not(source: str, at: int) -> str:
    char = source[at]
    where = f"at position {at + 1}"
    if char in _HEX_DIGITS:
        return f"a lone hex digit {char!r} {where}: a byte is two digits"
    if char == "?":
        return f"a lone '?' {where}: ?? is any one byte"
    return f"{char!r} {where} is not a hex digit, ?? or *"
