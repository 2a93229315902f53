"""Literal prefixes: found where sure, absent where in doubt, and never wrong about a match."""

from __future__ import annotations

import pytest
import regex

from app.net.rules.literal_prefix import NONE, LiteralPrefix, literal_prefix


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (rb"^GET /items/(\d+)", LiteralPrefix(b"GET /items/", True)),
        (rb"\A\x02\x10", LiteralPrefix(b"\x02\x10", True)),
        (rb"id=(\d+)", LiteralPrefix(b"id=", False)),
        (rb"ab+c", LiteralPrefix(b"a", False)),  # b+ is no literal
        (rb"(?x) a b  c", LiteralPrefix(b"abc", False)),
        (rb"(?s)^.x", NONE),
        (rb"(?i)^get", NONE),  # case-insensitive: the bytes are not the bytes matched
        (rb"(?m)^GET", NONE),  # ^ at any line: not anchored, and not worth guessing
        (rb"GET|PUT", NONE),
        (rb"(a|aa)+$", NONE),
        (rb"abc{e<=1}", LiteralPrefix(b"ab", False)),  # regex's fuzzy match on "c"
        (rb"\m\w+", NONE),  # regex-only syntax the standard parser refuses
        (rb"[[:alpha:]]x", NONE),
    ],
)
def test_prefixes(pattern: bytes, expected: LiteralPrefix) -> None:
    assert literal_prefix(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [rb"^GET /items/(\d+)", rb"id=(\d+)", rb"abc{e<=1}", rb"(?x) a b  c", rb"ab+c", rb"^\x00\xff"],
)
@pytest.mark.parametrize(
    "message",
    [b"GET /items/42", b"xx id=7", b"abd", b"abc", b"xabbbc", b"\x00\xff", b"", b"GET /items/"],
)
def test_a_prefix_never_excludes_a_message_that_matches(pattern: bytes, message: bytes) -> None:
    compiled = regex.compile(pattern)
    if literal_prefix(pattern).excludes(message):
        assert compiled.search(message) is None


def test_excludes() -> None:
    anchored, anywhere = LiteralPrefix(b"GET", True), LiteralPrefix(b"GET", False)
    assert anchored.excludes(b"xGET") and not anchored.excludes(b"GET /")
    assert not anywhere.excludes(b"xGET") and anywhere.excludes(b"PUT")
    assert not NONE.excludes(b"")
