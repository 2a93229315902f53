"""Table rows to Rule records: every cell read, each unusable one named with the reason."""

from __future__ import annotations

import pytest

from app.net.rules.rule import (
    DEFAULT_CELLS,
    MAX_DELAY_MS,
    Column,
    MatchKind,
    Rule,
    Then,
    parse_delay,
    rule_from_cells,
)
from app.payload import PayloadFormat


def test_a_row_reads_as_its_rule_and_back() -> None:
    cells = ["Regex", r"^GET (\d+)", "item $1", "Text", "250", "Close"]
    rule, errors = rule_from_cells(0, cells)
    assert errors == []
    assert rule == Rule(
        MatchKind.REGEX, r"^GET (\d+)", "item $1", PayloadFormat.TEXT, 250, Then.CLOSE
    )
    assert rule.cells() == cells


def test_a_short_row_takes_the_defaults() -> None:
    rule, errors = rule_from_cells(3, ["Exact", "PING"])
    assert errors == []
    assert rule.cells() == ["Exact", "PING", *DEFAULT_CELLS[2:]]


def test_every_bad_cell_is_named_at_once() -> None:
    _rule, errors = rule_from_cells(2, ["Sometimes", "x", "", "Octal", "soon", "Explode"])
    assert [(e.row, e.column) for e in errors] == [
        (2, Column.MATCH),
        (2, Column.REPLY_FORMAT),
        (2, Column.THEN),
        (2, Column.DELAY),
    ]
    assert "'Sometimes' is not one of Exact, Starts with, Contains, Regex, Hex pattern" in (
        errors[0].message
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("", 0), ("0", 0), (" 300 ", 300), ("1,500", 1500), (str(MAX_DELAY_MS), MAX_DELAY_MS)],
)
def test_delays_that_read(text: str, value: int) -> None:
    assert parse_delay(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-5", "not a whole number"), ("1.5", "not a whole number"), ("3600001", "at most")],
)
def test_delays_that_do_not(text: str, reason: str) -> None:
    result = parse_delay(text)
    assert isinstance(result, str) and reason in result
