"""Tests for app.payload: parsing typed payloads and the display forms of bytes."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.payload import (
    LineEnding,
    PayloadError,
    PayloadFormat,
    encode_payload,
    escape_bytes,
    hexdump,
    line_ending_bytes,
    parse_hex,
    parse_text,
    parse_text_in_slices,
    preview,
    to_hex,
)

# No example database: it would leave a .hypothesis folder in the source tree.
quick = settings(database=None, max_examples=300)

# Pieces that stress the escaping: backslashes next to things that look like escapes,
# controls, C1 controls, cut and invalid UTF-8, encoded surrogates, non-printables.
_TRICKY_PIECES = [
    b"\\",
    b"x",
    b"0",
    b"1",
    b"4",
    b"A",
    b"\x00",
    b"\r",
    b"\n",
    b"\t",
    b"\x1b",
    b"\x7f",
    b"\x80",
    b"\xff",
    b"\xc2\x85",
    b"\xc2\xa0",
    b"\xe2\x80\x8b",
    b"\xe2\x80\xa8",
    b"\xc3\xa9",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f\x98\x80",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
]
tricky_bytes = st.lists(st.sampled_from(_TRICKY_PIECES), max_size=40).map(b"".join)
any_bytes = st.one_of(st.binary(max_size=600), tricky_bytes)


# --- round trips -------------------------------------------------------------------------


@quick
@given(any_bytes)
@example(b"\\x41")
@example(b"\\0" + b"12")
@example(b"\x00" + b"12")
@example(b"\\\\")
def test_parse_text_inverts_escape_bytes(data: bytes) -> None:
    assert parse_text(escape_bytes(data)) == data


@quick
@given(st.text())
def test_text_round_trip_through_utf8(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    assert parse_text(escape_bytes(data)) == data


@quick
@given(any_bytes)
def test_escape_bytes_is_always_one_printable_line(data: bytes) -> None:
    shown = escape_bytes(data)
    assert shown.isprintable()
    assert "\n" not in shown


@quick
@given(
    st.text(
        st.characters(
            exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"],
            include_characters=" ",
            exclude_characters="\\",
        )
    )
)
def test_printable_text_is_shown_as_is(text: str) -> None:
    assert text.isprintable()
    assert escape_bytes(text.encode()) == text
    assert parse_text(text) == text.encode()


@quick
@given(any_bytes)
def test_parse_hex_inverts_to_hex(data: bytes) -> None:
    assert parse_hex(to_hex(data)) == data


@quick
@given(any_bytes, st.randoms(use_true_random=False))
def test_parse_hex_reads_loosely_formatted_hex(data: bytes, rnd: random.Random) -> None:
    groups = []
    i = 0
    while i < len(data):
        size = rnd.randint(1, 4)
        digits = data[i : i + size].hex()
        digits = digits.upper() if rnd.random() < 0.3 else digits
        prefix = rnd.choice(["", "", "0x", "0X"])
        groups.append(prefix + digits)
        i += size
    separators = [" ", "  ", "\t", "\n", ":", "-", ", ", " - "]
    text = "".join(g + rnd.choice(separators) for g in groups)
    assert parse_hex(text) == data


# --- parse_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", b""),
        ("Hello", b"Hello"),
        ("héllo 😀", "héllo 😀".encode()),
        ("GET / HTTP/1.1\\r\\n\\r\\n", b"GET / HTTP/1.1\r\n\r\n"),
        ("a\\tb\\0c", b"a\tb\x00c"),
        ("\\012", b"\x0012"),  # \0 is one NUL, never octal
        ("\\\\0", b"\\0"),
        ("\\\\\\0", b"\\\x00"),
        ("\\x41\\x4a\\x4A\\xff", b"AJJ\xff"),
        ("\\\\x41", b"\\x41"),
        ("\\x5c0", b"\\0"),
        ("\\xc3\\xa9", "é".encode()),
        ("\\\\", b"\\"),
    ],
)
def test_parse_text_accepts(text: str, expected: bytes) -> None:
    assert parse_text(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("\\x4", "Incomplete escape \\x4 at position 0 (\\x needs two hex digits)", 0),
        ("ab\\x", "Incomplete escape \\x at position 2 (\\x needs two hex digits)", 2),
        ("abc\\q", "Unknown escape \\q at position 3", 3),
        ("\\q", "Unknown escape \\q at position 0", 0),
        ("\\a", "Unknown escape \\a at position 0", 0),
        ("\\1", "Unknown escape \\1 at position 0", 0),
        ("\\ ", "Unknown escape \\' ' at position 0", 0),
        ("a\\\nb", "Unknown escape \\'\\n' at position 1", 1),
        ("abc\\", "Trailing backslash at position 3 (write \\\\ for a backslash)", 3),
        ("\\\\\\", "Trailing backslash at position 2 (write \\\\ for a backslash)", 2),
        ("\\xZZ", "Not a hex digit 'Z' at position 2 in \\x escape", 2),
        ("ok\\x4g", "Not a hex digit 'g' at position 5 in \\x escape", 5),
        ("\\x\\\\", "Not a hex digit '\\\\' at position 2 in \\x escape", 2),
        ("\\\\\\q", "Unknown escape \\q at position 2", 2),
        ("ok\\r\\n\\z\\y", "Unknown escape \\z at position 6", 6),
        ("a\ud800", "Cannot encode character U+D800 at position 1", 1),
    ],
)
def test_parse_text_rejects(text: str, message: str, position: int) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_text(text)
    assert caught.value.message == message
    assert str(caught.value) == message
    assert caught.value.position == position


def test_payload_error_is_a_value_error_without_position_by_default() -> None:
    error = PayloadError("Something is wrong")
    assert isinstance(error, ValueError)
    assert error.position is None
    assert str(error) == "Something is wrong"


# --- parse_hex and to_hex ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "48656c6c6f",
        "48 65 6c 6c 6f",
        "48 65 6C 6c 6F",
        "  48\t65\n6c 6c 6f  ",
        "0x48 0x65 0x6c 0x6c 0x6f",
        "0X48 0X65 0X6C 0X6C 0X6F",
        "0x48656c6c6f",
        "0x4865 0x6c6c6f",
        "48:65:6c:6c:6f",
        "48-65-6c-6c-6f",
        "0x48, 0x65, 0x6c, 0x6c, 0x6f",
        "4 8 6 5 6c6c6f",
        "48\u00a065\u30006c 6c 6f",
    ],
)
def test_parse_hex_tolerated_forms(text: str) -> None:
    assert parse_hex(text) == b"Hello"


@pytest.mark.parametrize("text", ["", " ", "  \n\t ", ":-,"])
def test_parse_hex_of_nothing_is_empty(text: str) -> None:
    assert parse_hex(text) == b""


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("48656c6", "Odd number of hex digits (7)", 6),
        ("48 65 6", "Odd number of hex digits (5)", 6),
        ("1 ", "Odd number of hex digits (1)", 0),
        ("48 6g", "Not a hex digit 'g' at position 4", 4),
        ("zz", "Not a hex digit 'z' at position 0", 0),
        ("48 65 é", "Not a hex digit 'é' at position 6", 6),
        ("\\x48", "Not a hex digit '\\\\' at position 0", 0),
        ("480x65", "Not a hex digit 'x' at position 3", 3),
        ("0x0x48", "Not a hex digit 'x' at position 3", 3),
        ("x48", "Not a hex digit 'x' at position 0", 0),
        ("0x", "Missing hex digits after '0x' at position 0", 0),
        ("48 0X", "Missing hex digits after '0X' at position 3", 3),
        ("0xg1", "Missing hex digits after '0x' at position 0", 0),
        ("48 65 q 0x", "Not a hex digit 'q' at position 6", 6),
    ],
)
def test_parse_hex_rejects(text: str, message: str, position: int) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_hex(text)
    assert caught.value.message == message
    assert caught.value.position == position


def test_to_hex_is_lowercase_single_spaced() -> None:
    assert to_hex(b"Hello") == "48 65 6c 6c 6f"
    assert to_hex(b"\x00\xab\xff") == "00 ab ff"
    assert to_hex(b"") == ""


# --- line endings and encode_payload -----------------------------------------------------


def test_enum_values_are_the_combo_labels() -> None:
    assert [f.value for f in PayloadFormat] == ["Text", "Hex"]
    assert [le.value for le in LineEnding] == ["None", "LF", "CRLF"]


@pytest.mark.parametrize(
    ("ending", "expected"),
    [(LineEnding.NONE, b""), (LineEnding.LF, b"\n"), (LineEnding.CRLF, b"\r\n")],
)
def test_line_ending_bytes(ending: LineEnding, expected: bytes) -> None:
    assert line_ending_bytes(ending) == expected


@pytest.mark.parametrize(
    ("text", "fmt", "ending", "expected"),
    [
        ("Hello", PayloadFormat.TEXT, LineEnding.NONE, b"Hello"),
        ("Hello", PayloadFormat.TEXT, LineEnding.LF, b"Hello\n"),
        ("Hello\\r\\n", PayloadFormat.TEXT, LineEnding.CRLF, b"Hello\r\n\r\n"),
        ("48 65", PayloadFormat.HEX, LineEnding.NONE, b"He"),
        ("48 65", PayloadFormat.HEX, LineEnding.CRLF, b"He\r\n"),
        ("", PayloadFormat.HEX, LineEnding.LF, b"\n"),
        ("", PayloadFormat.TEXT, LineEnding.NONE, b""),
    ],
)
def test_encode_payload(text: str, fmt: PayloadFormat, ending: LineEnding, expected: bytes) -> None:
    assert encode_payload(text, fmt, ending) == expected


def test_encode_payload_defaults_to_no_line_ending() -> None:
    assert encode_payload("Hi", PayloadFormat.TEXT) == b"Hi"


@pytest.mark.parametrize(("text", "fmt"), [("\\q", PayloadFormat.TEXT), ("4", PayloadFormat.HEX)])
def test_encode_payload_passes_errors_on(text: str, fmt: PayloadFormat) -> None:
    with pytest.raises(PayloadError):
        encode_payload(text, fmt, LineEnding.CRLF)


# --- escape_bytes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"\xff\xfe\x00\x1b[2J", "\\xff\\xfe\\0\\x1b[2J"),
        (b"", ""),
        (b"Hello, server!", "Hello, server!"),
        (b"GET / HTTP/1.1\r\n\tx", "GET / HTTP/1.1\\r\\n\\tx"),
        (b"\\x41", "\\\\x41"),
        (b"A", "A"),
        (b"\\", "\\\\"),
        (b"\x7f\x01", "\\x7f\\x01"),
        ("héllo wörld 😀 日本".encode(), "héllo wörld 😀 日本"),
        (b"\xc2\x85", "\\xc2\\x85"),  # C1 control NEL
        (b"\xc2\xa0", "\\xc2\\xa0"),  # no-break space
        (b"\xe2\x80\x8b", "\\xe2\\x80\\x8b"),  # zero-width space
        (b"\xe2\x80\xa8", "\\xe2\\x80\\xa8"),  # line separator
        (b"\xe2\x82", "\\xe2\\x82"),  # cut UTF-8 sequence
        (b"\xed\xa0\x80", "\\xed\\xa0\\x80"),  # encoded surrogate
        (b"caf\xc3\xa9\xff", "café\\xff"),
    ],
)
def test_escape_bytes(data: bytes, shown: str) -> None:
    assert escape_bytes(data) == shown


def test_escape_bytes_keeps_backslash_data_distinct() -> None:
    assert escape_bytes(b"\\x41") != escape_bytes(b"A")
    assert parse_text(escape_bytes(b"\\x41")) == b"\\x41"


def test_escape_bytes_round_trips_a_megabyte_of_every_byte_value() -> None:
    data = bytes(range(256)) * 4096
    assert parse_text(escape_bytes(data)) == data


# --- hexdump -----------------------------------------------------------------------------


def test_hexdump_known_input() -> None:
    data = b"Hello, server!\n\x00" + b"\x7fabc\xff"
    assert hexdump(data) == (
        "00000000  48 65 6c 6c 6f 2c 20 73  65 72 76 65 72 21 0a 00  |Hello, server!..|\n"
        "00000010  7f 61 62 63 ff                                    |.abc.|"
    )


def test_hexdump_partial_second_half_and_offsets() -> None:
    data = bytes(range(0x20, 0x20 + 16 + 16 + 10))
    assert hexdump(data).splitlines() == [
        "00000000  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|",
        "00000010  30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  |0123456789:;<=>?|",
        "00000020  40 41 42 43 44 45 46 47  48 49                    |@ABCDEFGHI|",
    ]


def test_hexdump_of_nothing_is_empty() -> None:
    assert hexdump(b"") == ""


@quick
@given(st.binary(max_size=200))
def test_hexdump_shape(data: bytes) -> None:
    lines = hexdump(data).splitlines() if data else []
    assert len(lines) == math.ceil(len(data) / 16)
    for number, line in enumerate(lines):
        chunk = data[number * 16 : number * 16 + 16]
        assert line.startswith(f"{number * 16:08x}  ")
        assert line[60] == "|"
        assert line.endswith("|")
        assert len(line) == 62 + len(chunk)
        assert parse_hex(line[10:58]) == chunk


# --- preview -----------------------------------------------------------------------------


def test_preview_short_data_is_whole() -> None:
    assert preview(b"Hello\r\n", PayloadFormat.TEXT) == "Hello\\r\\n"
    assert preview(b"Hello", PayloadFormat.HEX) == "48 65 6c 6c 6f"
    assert preview(b"", PayloadFormat.TEXT) == ""
    assert preview(b"", PayloadFormat.HEX) == ""


def test_preview_exact_fit_is_not_cut() -> None:
    assert preview(b"abcde", PayloadFormat.TEXT, limit=5) == "abcde"
    assert preview(b"abc", PayloadFormat.HEX, limit=8) == "61 62 63"


def test_preview_cuts_with_ellipsis() -> None:
    assert preview(b"abcdef", PayloadFormat.TEXT, limit=5) == "abcde…"
    assert preview(b"abcd", PayloadFormat.HEX, limit=7) == "61 62…"
    assert preview(b"abcd", PayloadFormat.HEX, limit=10) == "61 62 63…"


def test_preview_never_cuts_an_escape_in_half() -> None:
    assert preview(b"\x01" * 10, PayloadFormat.TEXT, limit=7) == "\\x01…"
    assert preview(b"ab\\\\", PayloadFormat.TEXT, limit=3) == "ab…"
    assert preview(b"\\" * 10, PayloadFormat.TEXT, limit=7) == "\\\\\\\\\\\\…"


def test_preview_with_no_room() -> None:
    assert preview(b"abc", PayloadFormat.TEXT, limit=0) == "…"
    assert preview(b"", PayloadFormat.HEX, limit=0) == ""


@quick
@given(any_bytes, st.sampled_from(PayloadFormat), st.integers(min_value=1, max_value=120))
def test_preview_is_a_prefix_of_the_full_form(data: bytes, fmt: PayloadFormat, limit: int) -> None:
    full = escape_bytes(data) if fmt is PayloadFormat.TEXT else to_hex(data)
    shown = preview(data, fmt, limit)
    if len(full) <= limit:
        assert shown == full
        return
    assert shown.endswith("…")
    head = shown[:-1]
    assert len(head) <= limit
    assert full.startswith(head)
    # The cut lies between whole escapes or bytes, so the head still parses.
    parse = parse_text if fmt is PayloadFormat.TEXT else parse_hex
    assert data.startswith(parse(head))
    # And it is not shorter than it needs to be.
    assert len(head) > limit - (4 if fmt is PayloadFormat.TEXT else 3)


class _OnlyTheHeadMayBeRead(bytes):
    """Ten megabytes that fail any operation over the whole buffer except len()."""

    def decode(self, *args: object, **kwargs: object) -> str:
        raise AssertionError("decoded the whole payload")

    def hex(self, *args: object, **kwargs: object) -> str:
        raise AssertionError("converted the whole payload to hex")

    def translate(self, *args: object, **kwargs: object) -> bytes:
        raise AssertionError("translated the whole payload")


@pytest.mark.parametrize("fmt", list(PayloadFormat))
def test_preview_of_ten_megabytes_reads_only_the_head(fmt: PayloadFormat) -> None:
    data = _OnlyTheHeadMayBeRead(b"\x00\xffA\\" * 2_500_000)
    shown = preview(data, fmt)
    assert 150 < len(shown) <= 201
    assert shown.endswith("…")


@pytest.mark.parametrize("fmt", list(PayloadFormat))
def test_preview_of_ten_megabytes_is_short(fmt: PayloadFormat) -> None:
    shown = preview("日本".encode() * 1_700_000, fmt, limit=80)
    assert len(shown) <= 81
    assert shown.endswith("…")


@given(
    st.lists(
        st.sampled_from(["a", "é", "\\n", "\\\\", "\\x41", "\\xff", "\\0", "\\q", "\\x4", "\\"]),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=9),
)
def test_parsing_in_slices_matches_the_whole_parse(pieces: list[str], slice_chars: int) -> None:
    text = "".join(pieces)
    try:
        whole: bytes | str = parse_text(text)
    except PayloadError as exc:
        whole = exc.message
    try:
        sliced: bytes | str = parse_text_in_slices(text, slice_chars)
    except PayloadError as exc:
        sliced = exc.message
    assert sliced == whole
