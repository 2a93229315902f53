"""Replies: parsed once as payloads, $0…$9 filled from a Regex match, $$ a dollar."""

from __future__ import annotations

import pytest
import regex

from app.net.rules.reply_template import compile_reply
from app.payload import MessageCounter, PayloadError, PayloadFormat

TEXT, HEX = PayloadFormat.TEXT, PayloadFormat.HEX


def _match(pattern: bytes, data: bytes) -> regex.Match[bytes]:
    found = regex.search(pattern, data)
    assert found is not None
    return found


def test_a_reply_without_groups_is_fixed_bytes() -> None:
    template = compile_reply("PONG\\r\\n costs $5", TEXT, None)  # not a Regex rule
    assert template.fixed == b"PONG\r\n costs $5"
    assert compile_reply("06 15", HEX, None).fixed == b"\x06\x15"


def test_groups_fill_the_reply() -> None:
    template = compile_reply("got $1 of $0, $$2 and $2\\n", TEXT, 2)
    assert template.fixed is None
    found = _match(rb"GET (\w+)( now)?", b"GET apples")
    assert template.fill(found, MessageCounter()) == b"got apples of GET apples, $2 and \n"


def test_hex_replies_take_groups_too() -> None:
    template = compile_reply("02 $1 03", HEX, 1)
    assert (
        template.fill(_match(rb"\x01(..)", b"\x01\xab\xcd"), MessageCounter())
        == b"\x02\xab\xcd\x03"
    )


def test_only_dollars_is_fixed() -> None:
    assert compile_reply("$$5", TEXT, 0).fixed == b"$5"


def test_an_escaped_dollar_is_no_placeholder() -> None:
    assert compile_reply("\\x241", TEXT, 1).fill(_match(b"(a)", b"a"), MessageCounter()) == b"$1"


@pytest.mark.parametrize(
    ("text", "fmt", "groups", "reason"),
    [
        ("$2", TEXT, 1, r"\$2 at position 0: the pattern has only 1 group"),
        ("ok $1", TEXT, 0, "the pattern has no groups"),
        ("bad \\q $1", TEXT, 1, r"Unknown escape \\q at position 4"),
        ("0$1", HEX, 1, "Odd number of hex digits"),
        ("zz $1", HEX, 1, "Not a hex digit 'z' at position 0"),
    ],
)
def test_mistakes_are_reply_errors(text: str, fmt: PayloadFormat, groups: int, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        compile_reply(text, fmt, groups)


def test_macros_are_rendered_for_each_reply() -> None:
    template = compile_reply("PONG {{counter:3}}", TEXT, None)
    counter = MessageCounter()
    assert [template.fill(None, counter) for _ in range(2)] == [b"PONG 001", b"PONG 002"]
    crc = compile_reply("01 03 00 00 00 0A {{crc16_modbus}}", PayloadFormat.HEX, None)
    assert crc.fixed == bytes.fromhex("01 03 00 00 00 0A C5 CD")  # static: worked out once


def test_macros_and_groups_do_not_mix() -> None:
    with pytest.raises(PayloadError, match="cannot be mixed"):
        compile_reply("$1 {{counter}}", TEXT, 1)
