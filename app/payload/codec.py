"""Converts bytes to and from what a person types (text with escapes, hex) and reads."""

from __future__ import annotations

import enum
import re

__all__ = [
    "LineEnding",
    "PayloadError",
    "PayloadFormat",
    "encode_payload",
    "escape_bytes",
    "hexdump",
    "line_ending_bytes",
    "parse_hex",
    "parse_text",
    "preview",
    "to_hex",
]


class PayloadFormat(enum.Enum):
    TEXT = "Text"
    HEX = "Hex"


class LineEnding(enum.Enum):
    NONE = "None"
    LF = "LF"
    CRLF = "CRLF"


_LINE_ENDING_BYTES = {LineEnding.NONE: b"", LineEnding.LF: b"\n", LineEnding.CRLF: b"\r\n"}


def line_ending_bytes(le: LineEnding) -> bytes:
    return _LINE_ENDING_BYTES[le]


class PayloadError(ValueError):
    """Input that cannot become bytes; `position` is the character index of the problem."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


# --- text with escapes -------------------------------------------------------------------

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
# Once every "\\" is blanked out (same length, so positions hold), each backslash left
# starts an escape, and the first one not followed by a known escape is the error.
_BAD_ESCAPE = re.compile(r"\\(?![rnt0]|x[0-9A-Fa-f]{2})")


def _text_error(text: str, i: int) -> PayloadError:
    """Describes the bad escape starting with the backslash at `i`."""
    if i + 1 == len(text):
        return PayloadError(f"Trailing backslash at position {i} (write \\\\ for a backslash)", i)
    letter = text[i + 1]
    if letter != "x":
        shown = f"\\{letter}" if letter.isprintable() and letter != " " else f"\\{letter!r}"
        return PayloadError(f"Unknown escape {shown} at position {i}", i)
    digits = text[i + 2 : i + 4]
    for j, digit in enumerate(digits, start=i + 2):
        if digit not in _HEX_DIGITS:
            return PayloadError(f"Not a hex digit {digit!r} at position {j} in \\x escape", j)
    return PayloadError(
        f"Incomplete escape \\x{digits} at position {i} (\\x needs two hex digits)", i
    )


def parse_text(text: str) -> bytes:
    """UTF-8 of `text` with the escapes \\r \\n \\t \\0 \\\\ and \\xNN turned into their bytes."""
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise PayloadError(
            f"Cannot encode character U+{code:04X} at position {exc.start}", exc.start
        ) from None
    if b"\\" not in encoded:
        return encoded
    bad = _BAD_ESCAPE.search(text.replace("\\\\", "  "))
    if bad is not None:
        raise _text_error(text, bad.start())
    # Replacing left to right keeps to escape boundaries (see above). Spelling \\ and \0
    # as \x5c and \x00 leaves escapes that the codec reads exactly as we mean them (it
    # would read "\012" as octal); bytes from 0x80 up pass through it as Latin-1.
    encoded = encoded.replace(b"\\\\", b"\\x5c").replace(b"\\0", b"\\x00")
    return encoded.decode("unicode_escape").encode("latin-1")


def parse_text_in_slices(text: str, slice_chars: int = 1 << 20) -> bytes:
    """parse_text for very large input, one slice at a time.

    One parse_text call on 100 MB runs in C for about a second without letting go of the
    GIL, so the GUI thread stalls even though the parse runs in another thread. Between
    slices the interpreter hands the GIL over. A slice ends only where the three
    characters before the cut hold no backslash: every escape (at most four characters,
    `\\xNN`) then lies wholly on one side.
    """
    parts: list[bytes] = []
    start = 0
    end_of_text = len(text)
    while start < end_of_text:
        cut = min(start + slice_chars, end_of_text)
        while cut < end_of_text and "\\" in text[cut - 3 : cut]:
            cut += 1
        try:
            parts.append(parse_text(text[start:cut]))
        except PayloadError:
            # Rare: report the error exactly as a whole-text parse words it.
            return parse_text(text)
        start = cut
    return b"".join(parts)


# Everything that is never shown literally, mapped to its escape in one table so that
# str.translate does the work in C: ASCII controls, backslash, DEL, C1 controls (as their
# two UTF-8 bytes) and the surrogates that "surrogateescape" uses for undecodable bytes.
_ESCAPE_TABLE: dict[int, str] = {code: f"\\x{code:02x}" for code in range(0x20)}
_ESCAPE_TABLE.update({0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t", 0x00: "\\0", 0x5C: "\\\\"})
_ESCAPE_TABLE[0x7F] = "\\x7f"
_ESCAPE_TABLE.update({code: f"\\xc2\\x{code:02x}" for code in range(0x80, 0xA0)})
_ESCAPE_TABLE.update({0xDC00 + byte: f"\\x{byte:02x}" for byte in range(0x80, 0x100)})

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _escape_unprintable(match: re.Match[str]) -> str:
    run = match.group()
    if run.isprintable():
        return run
    return "".join(
        char if char.isprintable() else "".join(f"\\x{b:02x}" for b in char.encode("utf-8"))
        for char in run
    )


def escape_bytes(data: bytes) -> str:
    """Display form of `data`, the inverse of parse_text; the result is always printable."""
    text = data.decode("utf-8", "surrogateescape")
    if "\\" not in text and text.isprintable():
        return text
    text = text.translate(_ESCAPE_TABLE)
    if text.isascii() or text.isprintable():
        return text
    # What is left are non-ASCII characters that are valid UTF-8 but not printable
    # (format characters, separators other than space, unassigned code points).
    return _NON_ASCII_RUN.sub(_escape_unprintable, text)


# --- hex ---------------------------------------------------------------------------------

_HEX_DIGIT_CLASS = "0-9A-Fa-f"
_HEX_BAD_CHAR = re.compile(rf"[^{_HEX_DIGIT_CLASS}\s:,\-xX]")
# An x is good only as the x of a "0x" that starts a group and is followed by a digit,
# so "480x65", "0x0x48" and "0x" alone are refused. Starting with the literal keeps the scan quick.
_HEX_BAD_X = re.compile(rf"[xX](?:(?<![\s:,\-]0[xX])(?<!^0[xX])|(?![{_HEX_DIGIT_CLASS}]))")
_ASCII_SEPARATORS = bytes(c for c in range(128) if chr(c).isspace()) + b":,-"
_SEPARATOR_RUN = re.compile(r"[\s:,\-]+")


def _hex_error(text: str) -> PayloadError | None:
    bad_char = _HEX_BAD_CHAR.search(text)
    bad_x = _HEX_BAD_X.search(text)
    found = [m.start() for m in (bad_char, bad_x) if m is not None]
    if not found:
        return None
    stop = min(found)
    char = text[stop]
    prefix_start = stop - 1
    if (
        char in "xX"
        and prefix_start >= 0
        and text[prefix_start] == "0"
        and (prefix_start == 0 or _SEPARATOR_RUN.fullmatch(text[prefix_start - 1]) is not None)
    ):
        return PayloadError(
            f"Missing hex digits after '0{char}' at position {prefix_start}", prefix_start
        )
    return PayloadError(f"Not a hex digit {char!r} at position {stop}", stop)


def parse_hex(text: str) -> bytes:
    """Bytes from hex digit pairs; whitespace, ':', '-', ',' and 0x prefixes are ignored."""
    error = _hex_error(text)
    if error is not None:
        raise error
    # In valid input every x is the x of a prefix, and the only 0 right before it is the
    # prefix's own, so plain replacing removes exactly the prefixes.
    if text.isascii():
        digits = text.encode("ascii").translate(None, _ASCII_SEPARATORS).decode("ascii")
    else:
        digits = _SEPARATOR_RUN.sub("", text)
    digits = digits.replace("0x", "").replace("0X", "")
    if len(digits) % 2:
        last = max(text.rfind(d) for d in _HEX_DIGITS)
        raise PayloadError(f"Odd number of hex digits ({len(digits)})", last)
    return bytes.fromhex(digits)


def to_hex(data: bytes) -> str:
    return data.hex(" ")


def encode_payload(
    text: str, fmt: PayloadFormat, line_ending: LineEnding = LineEnding.NONE
) -> bytes:
    data = parse_hex(text) if fmt is PayloadFormat.HEX else parse_text(text)
    return data + line_ending_bytes(line_ending)


def encode_large_payload(
    text: str, fmt: PayloadFormat, line_ending: LineEnding = LineEnding.NONE
) -> bytes:
    """encode_payload for a large paste, parsed in slices when it is text (see above)."""
    if fmt is PayloadFormat.HEX:
        return encode_payload(text, fmt, line_ending)
    return parse_text_in_slices(text) + line_ending_bytes(line_ending)


# --- display -----------------------------------------------------------------------------

_DUMP_ASCII = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def hexdump(data: bytes) -> str:
    """Classic `hexdump -C` lines, 16 bytes each, without the trailing offset line."""
    lines: list[str] = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        left = chunk[:8].hex(" ")
        right = chunk[8:].hex(" ")
        shown = chunk.translate(_DUMP_ASCII).decode("ascii")
        lines.append(f"{offset:08x}  {left:<23}  {right:<23}  |{shown}|")
    return "\n".join(lines)


_ESCAPE_TOKEN = re.compile(r"\\(?:x..|.)")
_ELLIPSIS = "…"


def preview(data: bytes, fmt: PayloadFormat, limit: int = 200) -> str:
    """One line of at most `limit` characters, plus "…" when `data` did not fit."""
    if limit < 1:
        return _ELLIPSIS if data else ""
    if fmt is PayloadFormat.HEX:
        count = (limit + 1) // 3  # "xx " per byte, no space after the last
        return to_hex(data[:count]) + (_ELLIPSIS if len(data) > count else "")
    # A shown character takes at most 4 bytes, so this head always fills `limit`
    # characters when data is longer, and a UTF-8 sequence split at its end lies past the cut.
    head_size = 4 * limit + 4
    text = escape_bytes(data[:head_size])
    if len(text) <= limit and len(data) <= head_size:
        return text
    cut = limit
    # Scan from the start: only there is a backslash known to begin an escape.
    for token in _ESCAPE_TOKEN.finditer(text, 0, limit + 3):
        if token.end() > limit:
            cut = min(token.start(), limit)
            break
    return text[:cut] + _ELLIPSIS
