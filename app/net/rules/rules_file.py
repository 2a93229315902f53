"""The rules file (Import…/Export…): JSON, one object per rule with named keys.

    {
      "format": "socket-tester-rules",
      "version": 1,
      "rules": [
        {"match": "Contains", "pattern": "PING", "reply": "PONG\\n",
         "reply_format": "Text", "delay_ms": 0, "then": "Keep open"}
      ]
    }

- `match`: "Exact", "Starts with", "Contains", "Regex" or "Hex pattern" (required).
- `pattern`: a string (required): text with escapes, a regex, or hex with `??` and `*`.
- `reply`: a string, text with escapes or hex as `reply_format` says (default "").
- `reply_format`: "Text" or "Hex" (default "Text").
- `delay_ms`: a whole number of milliseconds, 0 to 3,600,000 (default 0).
- `then`: "Keep open" or "Close" (default "Keep open").

Rules are tried in the file's order. A file of another `format`, a `version` newer than
1, an unknown key (a typo would otherwise be dropped in silence) or a value of the wrong
type is refused with the rule's number and the reason; the rows in the table stay as they
were. Patterns and replies are not compiled here: an imported rule whose regex does not
compile is marked in its cell like a typed one.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.net.rules.rule import (
    DEFAULT_CELLS,
    FORMAT_CHOICES,
    MATCH_CHOICES,
    MAX_DELAY_MS,
    THEN_CHOICES,
    Column,
    parse_delay,
)

FORMAT_NAME = "socket-tester-rules"
VERSION = 1
# Key, column, the choices (empty: any string), required.
_KEYS: tuple[tuple[str, Column, tuple[str, ...], bool], ...] = (
    ("match", Column.MATCH, MATCH_CHOICES, True),
    ("pattern", Column.PATTERN, (), True),
    ("reply", Column.REPLY, (), False),
    ("reply_format", Column.REPLY_FORMAT, FORMAT_CHOICES, False),
    ("delay_ms", Column.DELAY, (), False),
    ("then", Column.THEN, THEN_CHOICES, False),
)
_KNOWN = frozenset(key for key, *_ in _KEYS)


class RulesFileError(ValueError):
    """The document is not a rules file this version reads; the message says why."""


def dump_rules(rows: Sequence[Sequence[str]]) -> dict[str, object]:
    """The document for table rows. A Delay cell that is not a number is kept as typed
    (nothing a person typed is lost), and such a file is refused on import until fixed."""
    rules: list[dict[str, object]] = []
    for cells in rows:
        cells = [*cells, *DEFAULT_CELLS[len(cells) :]]
        rule: dict[str, object] = {key: cells[column] for key, column, _c, _r in _KEYS}
        delay = parse_delay(cells[Column.DELAY])
        if isinstance(delay, int):
            rule["delay_ms"] = delay
        rules.append(rule)
    return {"format": FORMAT_NAME, "version": VERSION, "rules": rules}


def load_rules(document: object) -> list[list[str]]:
    """Table rows from a parsed JSON document; `RulesFileError` says what is wrong."""
    if not isinstance(document, dict):
        raise RulesFileError('expected a JSON object with a "rules" list')
    name = document.get("format", FORMAT_NAME)
    if name != FORMAT_NAME:
        raise RulesFileError(f"its format is {name!r}, not {FORMAT_NAME!r}")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RulesFileError('"version" must be a whole number (this version writes 1)')
    if version > VERSION:
        raise RulesFileError(
            f"it is version {version}, written by a newer Socket Tester (this one reads "
            f"version {VERSION})"
        )
    rules = document.get("rules")
    if not isinstance(rules, list):
        raise RulesFileError('"rules" must be a list of rule objects')
    return [_row(number, rule) for number, rule in enumerate(rules, start=1)]


def _row(number: int, rule: object) -> list[str]:
    where = f"rule {number}"
    if not isinstance(rule, dict):
        raise RulesFileError(f"{where} is not an object with named keys")
    unknown = sorted(str(key) for key in rule if key not in _KNOWN)
    if unknown:
        raise RulesFileError(
            f"{where} has unknown key {unknown[0]!r} (keys: {', '.join(k for k, *_ in _KEYS)})"
        )
    cells = list(DEFAULT_CELLS)
    for key, column, choices, required in _KEYS:
        if key not in rule:
            if required:
                raise RulesFileError(f"{where} has no {key!r}")
            continue
        value = rule[key]
        if key == "delay_ms":
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= MAX_DELAY_MS
            ):
                raise RulesFileError(
                    f'{where}: "delay_ms" must be a whole number from 0 to {MAX_DELAY_MS:,}, '
                    f"not {value!r}"
                )
            cells[column] = str(value)
            continue
        if not isinstance(value, str):
            raise RulesFileError(f"{where}: {key!r} must be a string, not {value!r}")
        if choices and value not in choices:
            raise RulesFileError(f"{where}: {key!r} is {value!r}, not one of {', '.join(choices)}")
        cells[column] = value
    return cells
