"""Macros in a payload, expanded at send time: `{{counter}}`, `{{crc16_modbus}}`, ...

Sans-IO. The text is compiled once into a `MessageTemplate` of literal byte pieces and
macro nodes; `render()` makes the bytes of one message. Compiling folds whatever is
known in advance: a checksum over literal bytes only becomes literal bytes itself, so the
Modbus request `01 03 00 00 00 0A {{crc16_modbus}}` is a static template that costs
nothing per message; a checksum after a changing piece starts from the state of the
literal bytes before it. A template made of literals and counters renders with one
`bytes % tuple` (C, about 0.1 us); anything else joins its pieces per message.

A macro produces the same bytes in Text and Hex format: the counter, time, unix_ms, uuid
and rand as ASCII text; bytes and the checksums as raw bytes. A checksum covers every byte
of the message before it (earlier macros' output included; not the line ending).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.payload.codec import (
    LineEnding,
    PayloadError,
    PayloadFormat,
    encode_payload,
    line_ending_bytes,
    parse_hex,
    parse_text,
)

if TYPE_CHECKING:
    from app.payload.checksums import Checksum

__all__ = [
    "KNOWN_MACROS",
    "Message",
    "MessageCounter",
    "MessageTemplate",
    "compile_message",
    "render_message",
]

# The names of app/payload/checksums.py's CHECKSUMS (a test keeps them equal): that module
# loads with the first macro compiled, not at start-up.
CHECKSUM_NAMES = ("crc16_modbus", "crc16_ccitt", "crc32", "sum8", "xor8")
KNOWN_MACROS = (
    "{{counter}}",
    "{{counter:N}}",
    "{{time}}",
    "{{unix_ms}}",
    "{{uuid}}",
    "{{rand:A-B}}",
    "{{bytes:N}}",
    *(f"{{{{{name}}}}}" for name in CHECKSUM_NAMES),
)
MAX_COUNTER_WIDTH = 20
MAX_RANDOM_BYTES = 65_536

# `\\` first, so "\\{{counter}}" is a backslash and then a macro; `\{{` is a literal "{{".
# Patterns, not compiled ones: `re` compiles them with the first macro, not at start-up.
_TOKEN = r"\\\\|\\\{\{|\{\{([^{}\n]*)\}\}"
_RANGE = r"(-?\d+)-(-?\d+)"


class MessageCounter:
    """How many messages a tab has sent; the next one is number `sent + 1`.

    One per tab, used in its reactor thread only. Every message counts, with or without
    a `{{counter}}` in it.
    """

    __slots__ = ("sent",)

    def __init__(self, sent: int = 0) -> None:
        self.sent = sent

    def take(self) -> int:
        """Count one message; returns its number."""
        self.sent += 1
        return self.sent


Generator = Callable[[int], bytes]  # the message's number -> the macro's bytes


# Plain slotted classes rather than NamedTuples for the few records here: a NamedTuple
# class costs 0.1 ms to create at import, and this module loads at start-up.
class _ChecksumNode:
    __slots__ = ("checksum", "known", "state")

    def __init__(self, checksum: Checksum, known: int, state: int) -> None:
        self.checksum = checksum
        self.known = known  # the leading literal bytes already folded into `state`
        self.state = state


_Piece = bytes | Generator | _ChecksumNode


class MessageTemplate:
    """The compiled form of one payload; immutable, safe to share between threads."""

    __slots__ = ("_counters", "_percent", "_pieces", "static", "text")

    def __init__(self, pieces: list[_Piece], text: str = "") -> None:
        self.text = text
        self._pieces = pieces
        # The bytes of every message when nothing in it changes, else None.
        self.static: bytes | None = b"".join(pieces) if _all_bytes(pieces) else None  # type: ignore[arg-type]
        self._percent, self._counters = _percent_form(pieces)

    @classmethod
    def literal(cls, data: bytes) -> MessageTemplate:
        """Exactly `data` for every message (a loaded file, a large paste)."""
        return cls([data])

    @property
    def is_static(self) -> bool:
        return self.static is not None

    @property
    def has_counter(self) -> bool:
        return any(isinstance(piece, _CounterMacro) for piece in self._pieces)

    def render(self, counter: MessageCounter) -> bytes:
        """The bytes of the next message; counts it."""
        return self.render_number(counter.take())

    def render_number(self, number: int) -> bytes:
        """The bytes of message number `number` (the counter is not touched)."""
        if self.static is not None:
            return self.static
        if self._percent is not None:
            return self._percent % ((number,) * self._counters)
        out = bytearray()
        for piece in self._pieces:
            if type(piece) is bytes:
                out += piece
            elif type(piece) is _ChecksumNode:
                checksum = piece.checksum
                out += checksum.encode(checksum.update(bytes(out[piece.known :]), piece.state))
            else:
                out += piece(number)  # type: ignore[operator]
        return bytes(out)

    def render_many(self, first_number: int, count: int) -> list[bytes]:
        """Messages `first_number` to `first_number + count - 1`; the counter is not touched.

        A repeat run renders a batch per system call and counts only what went.
        """
        if self.static is not None:
            return [self.static] * count
        numbers = range(first_number, first_number + count)
        if self._percent is not None:
            if self._counters == 1:  # bytes % int: no tuple per message
                return list(map(self._percent.__mod__, numbers))
            return list(map(self._percent.__mod__, zip(*([numbers] * self._counters), strict=True)))
        return list(map(self.render_number, numbers))

    def sample(self) -> bytes:
        """What message number 1 would be: for sizes in messages and previews."""
        return self.render_number(1)


def _all_bytes(pieces: list[_Piece]) -> bool:
    return all(type(piece) is bytes for piece in pieces)


def _percent_form(pieces: list[_Piece]) -> tuple[bytes | None, int]:
    """(b"...%d...", the number of counters) when only literals and counters make it up."""
    parts: list[bytes] = []
    counters = 0
    for piece in pieces:
        if type(piece) is bytes:
            parts.append(piece.replace(b"%", b"%%"))
        elif isinstance(piece, _CounterMacro):
            parts.append(b"%%0%dd" % piece.width if piece.width else b"%d")
            counters += 1
        else:
            return None, 0
    return (b"".join(parts), counters) if counters else (None, 0)


# What a send command carries: exact bytes, or a template rendered when it is sent.
Message = bytes | MessageTemplate


def render_message(message: Message, counter: MessageCounter) -> bytes:
    """The bytes of the next message from `message`; counts it (bytes count as well)."""
    if type(message) is bytes:
        counter.sent += 1
        return message
    return message.render(counter)  # type: ignore[union-attr]


# -- the macros -------------------------------------------------------------------------


class _CounterMacro:
    __slots__ = ("width",)

    def __init__(self, width: int) -> None:
        self.width = width

    def __call__(self, number: int) -> bytes:
        return b"%0*d" % (self.width, number) if self.width else b"%d" % number


def _time(_number: int) -> bytes:
    from datetime import datetime  # not at start-up; a cached import after the first

    return datetime.now().astimezone().isoformat(timespec="milliseconds").encode("ascii")


def _unix_ms(_number: int) -> bytes:
    return b"%d" % (time.time_ns() // 1_000_000)


def _uuid(_number: int) -> bytes:
    import uuid  # loaded with the first {{uuid}}, not at start-up

    return str(uuid.uuid4()).encode("ascii")


def _random_integer(low: int, high: int) -> Generator:
    import random  # loaded with the first {{rand}}, not at start-up

    draw = random.randint
    return lambda _number: b"%d" % draw(low, high)


def _random_bytes(size: int) -> Generator:
    return lambda _number: os.urandom(size)


def _whole_number(argument: str) -> int | None:
    return int(argument) if argument.isascii() and argument.isdigit() else None


def _macro(body: str, position: int) -> Generator | Checksum:
    """The macro `{{body}}` found at `position`, or the PayloadError saying what is wrong."""
    from app.payload.checksums import CHECKSUMS

    name, colon, argument = body.strip().partition(":")
    name, argument = name.strip(), argument.strip()
    shown = f"{{{{{body}}}}}"

    def bad(why: str) -> PayloadError:
        return PayloadError(f"{why} in {shown} at position {position}", position)

    if name in CHECKSUMS or name in ("time", "unix_ms", "uuid"):
        if colon:
            raise bad(f"{{{{{name}}}}} takes no argument")
        if name in CHECKSUMS:
            return CHECKSUMS[name]
        return {"time": _time, "unix_ms": _unix_ms, "uuid": _uuid}[name]
    if name == "counter":
        if not colon:
            return _CounterMacro(0)
        width = _whole_number(argument)
        if width is None or not 1 <= width <= MAX_COUNTER_WIDTH:
            raise bad(f"The counter's width must be 1 to {MAX_COUNTER_WIDTH} ({{{{counter:6}}}})")
        return _CounterMacro(width)
    if name == "rand":
        match = re.fullmatch(_RANGE, argument)
        if match is None or int(match[1]) > int(match[2]):
            raise bad("A range low-high is needed ({{rand:1-100}})")
        return _random_integer(int(match[1]), int(match[2]))
    if name == "bytes":
        size = _whole_number(argument)
        if size is None or not 1 <= size <= MAX_RANDOM_BYTES:
            raise bad(f"A count of 1 to {MAX_RANDOM_BYTES:,} bytes is needed ({{{{bytes:16}}}})")
        return _random_bytes(size)
    raise PayloadError(
        f"Unknown macro {shown} at position {position}; known: {', '.join(KNOWN_MACROS)} "
        "(write \\{{ to send {{ as it is)",
        position,
    )


# -- compiling --------------------------------------------------------------------------


class _Literal:
    __slots__ = ("start", "text")

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.start = start  # its position in the whole text


class _MacroAt:
    __slots__ = ("body", "position")

    def __init__(self, body: str, position: int) -> None:
        self.body = body  # between the braces
        self.position = position


def _split(text: str) -> tuple[list[_Literal | bytes | _MacroAt], str]:
    """Literal runs, b"{{" for each `\\{{`, and (macro body, position); plus the text
    with every macro and `\\{{` blanked to spaces, so that parsing it reports positions
    in the text as typed."""
    items: list[_Literal | bytes | _MacroAt] = []
    blanked: list[str] = []
    run_start = 0
    for match in re.finditer(_TOKEN, text):
        token = match.group()
        if token == "\\\\":
            continue  # stays in the literal run, for the codec
        if match.start() > run_start:
            items.append(_Literal(text[run_start : match.start()], run_start))
        blanked += (text[run_start : match.start()], " " * len(token))
        items.append(b"{{" if token == "\\{{" else _MacroAt(match[1], match.start()))
        run_start = match.end()
    if run_start < len(text):
        items.append(_Literal(text[run_start:], run_start))
    blanked.append(text[run_start:])
    return items, "".join(blanked)


def _literal_bytes(literal: _Literal, fmt: PayloadFormat, next_macro: str) -> bytes:
    unclosed = literal.text.find("{{")
    if unclosed >= 0:
        at = literal.start + unclosed
        raise PayloadError(
            f"Unclosed {{{{ at position {at}: end the macro with }}}}, "
            "or write \\{{ to send {{ as it is",
            at,
        )
    if fmt is PayloadFormat.TEXT:
        return parse_text(literal.text)
    try:
        return parse_hex(literal.text)
    except PayloadError:
        # The whole text parsed, so this part has an odd number of digits: a macro cuts a byte.
        at = literal.start + len(literal.text.rstrip())
        where = f"before {next_macro}" if next_macro else "at the end"
        raise PayloadError(
            f"Odd number of hex digits {where} (position {at}): a macro cannot split a byte", at
        ) from None


def compile_message(
    text: str, fmt: PayloadFormat, line_ending: LineEnding = LineEnding.NONE
) -> MessageTemplate:
    """The template of what `text` sends in format `fmt`; raises PayloadError."""
    if "{{" not in text:
        return MessageTemplate([encode_payload(text, fmt, line_ending)], text)
    from app.payload.checksums import Checksum

    items, blanked = _split(text)
    # Errors in the literal parts first, worded and placed as the codec words them.
    if fmt is PayloadFormat.TEXT:
        parse_text(blanked)
    else:
        parse_hex(blanked.replace("{{", "  "))  # odd counts are found per part below
    pieces: list[_Piece] = []
    known = bytearray()  # the literal bytes before the first changing piece
    changing = False
    for index, item in enumerate(items):
        if isinstance(item, _Literal):
            following = next((i for i in items[index + 1 :] if isinstance(i, _MacroAt)), None)
            item = _literal_bytes(item, fmt, f"{{{{{following.body}}}}}" if following else "")
        if isinstance(item, bytes):
            if not changing:
                known += item
            pieces.append(item)
            continue
        macro = _macro(item.body, item.position)
        if isinstance(macro, Checksum):
            if not changing:
                folded = macro.of(bytes(known))
                known += folded
                pieces.append(folded)
            else:
                pieces.append(
                    _ChecksumNode(macro, len(known), macro.update(bytes(known), macro.initial))
                )
            continue
        changing = True
        pieces.append(macro)
    pieces.append(line_ending_bytes(line_ending))
    return MessageTemplate(_merge_literals(pieces), text)


def _merge_literals(pieces: list[_Piece]) -> list[_Piece]:
    merged: list[_Piece] = []
    for piece in pieces:
        if type(piece) is bytes:
            if not piece:
                continue
            if merged and type(merged[-1]) is bytes:
                merged[-1] += piece
                continue
        merged.append(piece)
    return merged or [b""]
