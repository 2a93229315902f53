"""Regular expressions a person typed, compiled with a clear error and run with a time limit.

The standard `re` module has no time limit, so a pattern such as `(a+)+$` against forty
`a`s and a `b` would hold a worker thread for minutes. The `regex` package takes a
`timeout` on every match call and raises `TimeoutError` when it passes; every pattern a
person types (responder rules, HTTP route paths, log filters) runs through this module so
that no such pattern can hang anything (DESIGN rule 8).

Patterns match bytes: a pattern typed as text is encoded as Latin-1, so `\\x00`-`\\xff`
in the pattern stand for those bytes and printable ASCII stands for itself.
"""

from __future__ import annotations

from typing import NamedTuple

import regex

# Long enough for any sane pattern on a 64 KB chunk, short enough that a catastrophic one
# costs the worker a blink.
MATCH_TIMEOUT = 0.1


class PatternError(ValueError):
    """The pattern does not compile; the message says why, as a person reads it."""


class MatchTimeout(Exception):
    """Matching took longer than the limit and was stopped."""


class UserRegex(NamedTuple):
    source: str
    compiled: regex.Pattern[bytes]

    def search(self, data: bytes, timeout: float = MATCH_TIMEOUT) -> regex.Match[bytes] | None:
        """The first match in `data`, or None; `MatchTimeout` when the limit passes."""
        try:
            return self.compiled.search(data, timeout=timeout)
        except TimeoutError as exc:
            raise MatchTimeout(f"stopped after {timeout * 1000:.0f} ms") from exc

    def fullmatch(self, data: bytes, timeout: float = MATCH_TIMEOUT) -> regex.Match[bytes] | None:
        """A match of the whole of `data`, or None; `MatchTimeout` when the limit passes."""
        try:
            return self.compiled.fullmatch(data, timeout=timeout)
        except TimeoutError as exc:
            raise MatchTimeout(f"stopped after {timeout * 1000:.0f} ms") from exc


def compile_user_regex(source: str) -> UserRegex:
    """Compile what a person typed; `PatternError` says what is wrong with it."""
    if not source:
        raise PatternError("the pattern is empty")
    try:
        pattern = source.encode("latin-1")
    except UnicodeEncodeError as exc:
        char = source[exc.start]
        raise PatternError(
            f"{char!r} at position {exc.start + 1} is not a byte: write it as \\xNN escapes"
        ) from exc
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        # `msg` and `pos` exist at run time but not in the stubs.
        pos: int | None = getattr(exc, "pos", None)
        where = f" at position {pos + 1}" if pos is not None else ""
        raise PatternError(f"{getattr(exc, 'msg', exc)}{where}") from exc
    return UserRegex(source, compiled)


def expand_groups(template: bytes, match: regex.Match[bytes]) -> bytes:
    """`template` with `$0`…`$9` replaced by the match's groups and `$$` by one `$`.

    A group that did not take part in the match inserts nothing; a group the pattern does
    not have, or a `$` before anything else, stays as it is.
    """
    if b"$" not in template:
        return template
    out = bytearray()
    i = 0
    end = len(template)
    while i < end:
        dollar = template.find(b"$", i)
        if dollar < 0 or dollar + 1 >= end:
            out += template[i:]
            break
        out += template[i:dollar]
        following = template[dollar + 1]
        if following == 0x24:  # "$$"
            out += b"$"
            i = dollar + 2
        elif 0x30 <= following <= 0x39:
            group = following - 0x30
            if group <= match.re.groups:
                out += match.group(group) or b""
            else:
                out += template[dollar : dollar + 2]  # kept, so the typo shows in the reply
            i = dollar + 2
        else:
            out += b"$"
            i = dollar + 1
    return bytes(out)
