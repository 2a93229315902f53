"""The literal bytes every match of a Regex rule starts with, to skip a timed search cheaply.

A timed `regex` call costs about 2 µs before it looks at a byte (setting up the time
limit), so 30 patterned rules that miss cost a message 60 µs. Most rules start with
literal bytes (`^GET /items/(\\d+)`, `\\x02\\x10`): a message without them cannot match, and
`bytes.startswith` or `in` says so in 0.1 µs. This only ever skips rules that cannot
match; when in doubt it returns no prefix and the search runs as before.

The pattern is read with the standard library's parser (the `regex` package has no public
one). Syntax that only `regex` knows either fails that parse (no prefix) or, for a fuzzy
constraint `{e<=1}` that `re` reads as literal text, is cut off with the item before it.
"""

from __future__ import annotations

import re
import warnings
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import NamedTuple

# With these the literal bytes are not the bytes matched (case) or ^ is not the start.
_UNSAFE_FLAGS = re.IGNORECASE | re.MULTILINE | re.LOCALE
_STARTS = (sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_STRING)
_BRACE = ord("{")


class LiteralPrefix(NamedTuple):
    literal: bytes  # b"": nothing known, always search
    anchored: bool  # every match starts at the message's first byte

    def excludes(self, message: bytes) -> bool:
        """True when `message` cannot match; False means search it."""
        literal = self.literal
        if not literal:
            return False
        if self.anchored:
            return not message.startswith(literal)
        return literal not in message


NONE = LiteralPrefix(b"", False)


def literal_prefix(pattern: bytes) -> LiteralPrefix:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" and the like
            parsed = sre_parse.parse(pattern)
    except Exception:
        return NONE
    if parsed.state.flags & _UNSAFE_FLAGS:
        return NONE
    items = list(parsed)
    anchored = False
    if items and items[0][0] is sre_constants.AT and items[0][1] in _STARTS:
        anchored = True
        items = items[1:]
    literal = bytearray()
    for op, value in items:
        if op is not sre_constants.LITERAL:
            break
        if value == _BRACE:
            # Perhaps a `regex` fuzzy constraint on the item before it: not literal.
            del literal[-1:]
            break
        literal.append(value)
    return LiteralPrefix(bytes(literal), anchored) if literal else NONE
