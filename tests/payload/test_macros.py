"""Macros compiled into templates and rendered per message, without a socket."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest

from app.payload import (
    KNOWN_MACROS,
    LineEnding,
    MessageCounter,
    MessageTemplate,
    PayloadError,
    PayloadFormat,
    compile_message,
    encode_payload,
    render_message,
)
from app.payload.checksums import crc16_ccitt, crc16_modbus, crc32

TEXT, HEX = PayloadFormat.TEXT, PayloadFormat.HEX


def render(text: str, fmt: PayloadFormat = TEXT, number: int = 1) -> bytes:
    return compile_message(text, fmt).render_number(number)


# -- the counter -------------------------------------------------------------------------


def test_the_counter_counts_every_message_rendered() -> None:
    counter = MessageCounter()
    template = compile_message("n={{counter}}", TEXT)
    assert [template.render(counter) for _ in range(3)] == [b"n=1", b"n=2", b"n=3"]
    # A message without a counter counts too: the numbers say which message of the tab.
    assert render_message(b"plain", counter) == b"plain"
    assert template.render(counter) == b"n=5" and counter.sent == 5


def test_the_counter_zero_pads_to_the_width_asked() -> None:
    assert render("{{counter:6}}", number=42) == b"000042"
    assert render("{{counter:2}}", number=1234) == b"1234"  # never cut
    assert render("a{{counter}}b{{counter:3}}%d", number=7) == b"a7b007%d"


def test_render_many_numbers_a_batch_without_touching_the_counter() -> None:
    counter = MessageCounter(sent=10)
    template = compile_message("#{{counter}}", TEXT)
    assert template.render_many(counter.sent + 1, 3) == [b"#11", b"#12", b"#13"]
    assert counter.sent == 10
    general = compile_message("{{counter}}{{sum8}}", TEXT)
    assert general.render_many(9, 2) == [b"9" + bytes([0x39]), b"10" + bytes([0x61])]
    static = compile_message("same", TEXT)
    assert static.render_many(1, 2) == [b"same", b"same"]


def test_has_counter_says_whether_every_message_carries_its_number() -> None:
    assert compile_message("seq={{counter:4}} {{crc32}}", TEXT).has_counter
    assert not compile_message("{{uuid}}", TEXT).has_counter
    assert not compile_message(r"\{{counter}}", TEXT).has_counter
    assert not MessageTemplate.literal(b"{{counter}}").has_counter


# -- the other macros --------------------------------------------------------------------


def test_time_is_iso_8601_local_with_milliseconds() -> None:
    before = datetime.now().astimezone()
    text = render("{{time}}").decode()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", text)
    stamp = datetime.fromisoformat(text)
    assert stamp.utcoffset() == before.utcoffset()
    assert abs((stamp - before).total_seconds()) < 5


def test_unix_ms_is_the_clock_in_milliseconds() -> None:
    before = int(datetime.now().timestamp() * 1000)
    value = int(render("{{unix_ms}}"))
    assert before - 1 <= value <= before + 5000


def test_uuid_is_a_fresh_version_4_uuid_per_message() -> None:
    template = compile_message("{{uuid}}", TEXT)
    first, second = (uuid.UUID(template.render_number(1).decode()) for _ in range(2))
    assert first.version == second.version == 4 and first != second


def test_rand_stays_in_its_range_and_reaches_both_ends() -> None:
    template = compile_message("{{rand:1-3}}", TEXT)
    seen = {int(template.render_number(1)) for _ in range(300)}
    assert seen == {1, 2, 3}
    assert render("{{rand:-2--2}}") == b"-2"


def test_bytes_are_that_many_fresh_random_bytes() -> None:
    template = compile_message("{{bytes:16}}", TEXT)
    first, second = template.render_number(1), template.render_number(1)
    assert len(first) == len(second) == 16 and first != second


# -- checksums in messages ---------------------------------------------------------------


def test_the_modbus_request_in_hex_is_static_and_exact() -> None:
    template = compile_message("01 03 00 00 00 0A {{crc16_modbus}}", HEX)
    assert template.is_static
    assert template.static == bytes.fromhex("01 03 00 00 00 0A C5 CD")


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("crc16_modbus", b"\x37\x4b"),
        ("crc16_ccitt", b"\x29\xb1"),
        ("crc32", b"\xcb\xf4\x39\x26"),
        ("sum8", b"\xdd"),
        ("xor8", b"\x31"),
    ],
)
def test_each_checksum_over_the_catalogue_input(macro: str, expected: bytes) -> None:
    assert render(f"123456789{{{{{macro}}}}}") == b"123456789" + expected
    assert render(f"31 32 33 34 35 36 37 38 39 {{{{{macro}}}}}", HEX) == b"123456789" + expected


def test_a_checksum_covers_every_byte_before_it_including_macros() -> None:
    template = compile_message("AB{{counter}}CD{{crc16_ccitt}}{{crc32}}", TEXT)
    assert not template.is_static
    for number in (1, 99, 12345):
        message = template.render_number(number)
        body = b"AB%dCD" % number
        ccitt = crc16_ccitt(body).to_bytes(2, "big")
        assert message == body + ccitt + crc32(body + ccitt).to_bytes(4, "big")


def test_the_line_ending_comes_after_the_checksum_and_outside_it() -> None:
    template = compile_message("01 02{{crc16_modbus}}", TEXT, LineEnding.CRLF)
    body = b"01 02"
    assert template.static == body + crc16_modbus(body).to_bytes(2, "little") + b"\r\n"


# -- escape, literals and refusals -------------------------------------------------------


def test_backslash_brace_brace_sends_the_braces() -> None:
    assert render("\\{{counter}}") == b"{{counter}}"
    assert compile_message("\\{{counter}}", TEXT).is_static
    # An escaped backslash before a macro is a backslash, then the macro.
    assert render("\\\\{{counter}}", number=4) == b"\\4"
    assert render("7B \\{{ 7D", HEX) == b"\x7b{{\x7d"


def test_text_without_macros_is_what_the_codec_makes_of_it() -> None:
    for text in ("plain", "a\\r\\n", "{x}}", "{ {", ""):
        template = compile_message(text, TEXT, LineEnding.LF)
        assert template.static == encode_payload(text, TEXT, LineEnding.LF)
    assert MessageTemplate.literal(b"\x00\xff").static == b"\x00\xff"


def test_braces_around_a_macro_stay_literal() -> None:
    assert render('{"n":{{counter}}}', number=3) == b'{"n":3}'
    assert render("{{{counter}}}", number=3) == b"{3}"


def test_an_unknown_macro_is_refused_with_the_list_of_known_ones() -> None:
    with pytest.raises(PayloadError) as caught:
        compile_message("ab{{conter}}", TEXT)
    assert caught.value.position == 2
    message = caught.value.message
    assert message.startswith("Unknown macro {{conter}} at position 2; known: ")
    assert all(known in message for known in KNOWN_MACROS)
    assert "{{crc16_modbus}}" in KNOWN_MACROS and "{{counter:N}}" in KNOWN_MACROS


@pytest.mark.parametrize(
    ("text", "fmt", "start", "position"),
    [
        ("{{counter:0}}", TEXT, "The counter's width must be 1 to 20", 0),
        ("x{{counter:abc}}", TEXT, "The counter's width must be", 1),
        ("{{rand:5-1}}", TEXT, "A range low-high is needed", 0),
        ("{{rand}}", TEXT, "A range low-high is needed", 0),
        ("{{bytes:0}}", TEXT, "A count of 1 to 65,536 bytes", 0),
        ("{{crc32:4}}", TEXT, "{{crc32}} takes no argument", 0),
        ("ab{{counter", TEXT, "Unclosed {{ at position 2", 2),
        ("a\\q{{counter}}", TEXT, "Unknown escape \\q at position 1", 1),
        ("zz {{counter}}", HEX, "Not a hex digit 'z' at position 0", 0),
        ("01 0{{counter}}2", HEX, "Odd number of hex digits before {{counter}}", 4),
    ],
)
def test_bad_macros_and_literals_are_refused_where_they_are(
    text: str, fmt: PayloadFormat, start: str, position: int
) -> None:
    with pytest.raises(PayloadError) as caught:
        compile_message(text, fmt)
    assert caught.value.message.startswith(start)
    assert caught.value.position == position


def test_a_template_of_literals_and_counters_renders_quickly() -> None:
    # The fast form is one bytes % tuple: a batch of 10,000 in well under 50 ms even on a
    # loaded machine (a Python loop per piece would take several times longer).
    import time

    template = compile_message("Hello {{counter}} and {{counter:8}}", TEXT)
    started = time.perf_counter()
    batch = template.render_many(1, 10_000)
    assert time.perf_counter() - started < 0.05
    assert batch[-1] == b"Hello 10000 and 00010000"


def test_the_checksum_names_listed_for_start_up_are_those_of_the_checksums_module() -> None:
    from app.payload.checksums import CHECKSUMS
    from app.payload.macros import CHECKSUM_NAMES

    assert tuple(CHECKSUMS) == CHECKSUM_NAMES
