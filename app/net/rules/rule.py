"""One responder rule as a record, and as the six text cells a person edits in the table.

The table (and the rules file) hold what was typed; `rule_from_cells` turns a row into a
`Rule` and names each cell it cannot use, so the table can mark exactly that cell.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from app.payload import PayloadFormat

# A Delay past an hour is a typo, not a test plan.
MAX_DELAY_MS = 3_600_000


class MatchKind(enum.Enum):
    EXACT = "Exact"  # the whole message, byte for byte
    STARTS_WITH = "Starts with"
    CONTAINS = "Contains"
    REGEX = "Regex"  # searched anywhere in the message; anchor with ^ and $
    HEX_PATTERN = "Hex pattern"  # the whole message as hex bytes; ?? any byte, * any run


class Then(enum.Enum):
    KEEP_OPEN = "Keep open"
    CLOSE = "Close"  # TCP: close the connection once the reply is sent; UDP: nothing more


class Column(enum.IntEnum):
    """The table's columns, in the order the issue fixes."""

    MATCH = 0
    PATTERN = 1
    REPLY = 2
    REPLY_FORMAT = 3
    DELAY = 4
    THEN = 5


COLUMN_TITLES = ("Match", "Pattern", "Reply", "Reply format", "Delay (ms)", "Then")
MATCH_CHOICES = tuple(kind.value for kind in MatchKind)
FORMAT_CHOICES = tuple(fmt.value for fmt in PayloadFormat)
THEN_CHOICES = tuple(then.value for then in Then)


class Rule(NamedTuple):
    match: MatchKind = MatchKind.CONTAINS
    pattern: str = ""  # text with escapes (Exact, Starts with, Contains), a regex, or hex
    reply: str = ""  # text with escapes or hex, as `reply_format` says
    reply_format: PayloadFormat = PayloadFormat.TEXT
    delay_ms: int = 0
    then: Then = Then.KEEP_OPEN

    def cells(self) -> list[str]:
        return [
            self.match.value,
            self.pattern,
            self.reply,
            self.reply_format.value,
            str(self.delay_ms),
            self.then.value,
        ]


class CellError(NamedTuple):
    row: int  # 0-based, as the model counts
    column: Column
    message: str


DEFAULT_CELLS = Rule().cells()


def rule_from_cells(row: int, cells: Sequence[str]) -> tuple[Rule, list[CellError]]:
    """The rule a table row stands for and the reason for each cell it cannot use.

    An unusable cell reads as its default in the rule, so the other cells are still
    checked (and marked) at once; a rule with any error is off.
    """
    cells = [*cells, *DEFAULT_CELLS[len(cells) :]]
    errors: list[CellError] = []
    match = _choice(row, cells, Column.MATCH, MatchKind, errors)
    reply_format = _choice(row, cells, Column.REPLY_FORMAT, PayloadFormat, errors)
    then = _choice(row, cells, Column.THEN, Then, errors)
    delay = parse_delay(cells[Column.DELAY])
    if isinstance(delay, str):
        errors.append(CellError(row, Column.DELAY, delay))
        delay = 0
    rule = Rule(match, cells[Column.PATTERN], cells[Column.REPLY], reply_format, delay, then)
    return rule, errors


_E = TypeVar("_E", bound=enum.Enum)


def _choice(
    row: int, cells: list[str], column: Column, enum_type: type[_E], errors: list[CellError]
) -> _E:
    try:
        return enum_type(cells[column])
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        errors.append(CellError(row, column, f"{cells[column]!r} is not one of {allowed}"))
        return enum_type(DEFAULT_CELLS[column])


def parse_delay(text: str) -> int | str:
    """Milliseconds from a Delay cell (empty is 0), or the reason it is not usable."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return 0
    if not text.isdigit() or not text.isascii():
        return f"{text!r} is not a whole number of milliseconds"
    value = int(text)
    if value > MAX_DELAY_MS:
        return f"at most {MAX_DELAY_MS:,} ms (an hour)"
    return value
