"""A rule's reply: fixed bytes, or for a Regex rule bytes with `$0`…`$9` for its groups.

The reply is typed as a payload (text with escapes, or hex) and parsed once, when the
rules are compiled; only the groups are filled in per message. `$$` is one dollar sign.
Macros (`{{counter}}`, `{{time}}`, a checksum…) work as in every payload field and are
rendered for each reply; one reply cannot have both macros and `$n` groups (the cell
says so), since a checksum over bytes that are not known until the match is ambiguous.
A `$n` the pattern has no group for is an error in the Reply cell, not a surprise in a
reply, and `\\x24` in a text reply is a literal dollar that never starts a placeholder.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import regex

from app.payload import (
    MessageCounter,
    MessageTemplate,
    PayloadError,
    PayloadFormat,
    compile_message,
    encode_payload,
)

_PLACEHOLDER = re.compile(r"\$([0-9$])")
# What stands in for a placeholder while the whole reply is checked, so that an error's
# position counts in the reply as typed (same length as "$n", and valid in its format).
_STAND_IN = {PayloadFormat.TEXT: "__", PayloadFormat.HEX: "00"}


class ReplyTemplate(NamedTuple):
    """Literal bytes and group numbers in order; `fixed` is the reply when there are none;
    `message` the macros' template when the reply has macros."""

    parts: tuple[bytes | int, ...]
    fixed: bytes | None
    message: MessageTemplate | None = None

    def fill(self, match: regex.Match[bytes] | None, counter: MessageCounter) -> bytes:
        if self.message is not None:
            return self.message.render(counter)
        if self.fixed is not None or match is None:
            return self.fixed or b""
        return b"".join(
            part if isinstance(part, bytes) else match.group(part) or b"" for part in self.parts
        )


def compile_reply(text: str, fmt: PayloadFormat, groups: int | None) -> ReplyTemplate:
    """Parse a reply; `groups` is the pattern's group count for a Regex rule, else None.

    Raises `PayloadError` (the payload's own message, or a `$n` beyond the groups).
    """
    if groups is None or not _PLACEHOLDER.search(text):
        message = compile_message(text, fmt)
        if message.static is None:
            return ReplyTemplate((), None, message)
        return ReplyTemplate((message.static,), message.static)
    if "{{" in text.replace("\\{{", ""):
        raise PayloadError("macros and $n groups cannot be mixed in one reply", text.find("{{"))
    encode_payload(_PLACEHOLDER.sub(_STAND_IN[fmt], text), fmt)  # errors where typed
    parts: list[bytes | int] = []
    literal = bytearray()
    start = 0
    for placeholder in _PLACEHOLDER.finditer(text):
        literal += encode_payload(text[start : placeholder.start()], fmt)
        start = placeholder.end()
        which = placeholder.group(1)
        if which == "$":
            literal += b"$"
            continue
        group = int(which)
        if group > groups:
            has = "no groups" if not groups else f"only {groups} group{'s' * (groups > 1)}"
            raise PayloadError(
                f"${group} at position {placeholder.start()}: the pattern has {has}",
                placeholder.start(),
            )
        if literal:
            parts.append(bytes(literal))
            literal.clear()
        parts.append(group)
    literal += encode_payload(text[start:], fmt)
    if literal:
        parts.append(bytes(literal))
    if all(isinstance(part, bytes) for part in parts):  # only "$$"
        data = b"".join(part for part in parts if isinstance(part, bytes))
        return ReplyTemplate((data,), data)
    return ReplyTemplate(tuple(parts), None)
