"""The rule engine without a socket: each match kind, order, captures, errors, time limits."""

from __future__ import annotations

import time

import pytest

from app.net.rules.responder import (
    STRIKES_BEFORE_OFF,
    Answer,
    RuleTimeout,
    compile_rows,
    compile_rules,
)
from app.net.rules.rule import Column, MatchKind, Rule, Then
from app.payload import PayloadFormat


def row(match: str, pattern: str, reply: str = "ok", fmt: str = "Text") -> list[str]:
    return [match, pattern, reply, fmt, "0", "Keep open"]


def reply_to(rows: list[list[str]], message: bytes) -> bytes | None:
    responder = compile_rows(rows)
    assert responder.errors == ()
    answer = responder.answer(message)
    return None if answer is None else answer.reply


@pytest.mark.parametrize(
    ("match", "pattern", "hits", "misses"),
    [
        ("Exact", "PING", [b"PING"], [b"PING\n", b"xPING", b"PIN", b"ping"]),
        ("Exact", "PING\\r\\n", [b"PING\r\n"], [b"PING"]),
        ("Starts with", "GET ", [b"GET /", b"GET "], [b" GET /", b"GE"]),
        ("Contains", "\\x00\\xff", [b"a\x00\xffb", b"\x00\xff"], [b"\x00", b"\xff\x00"]),
        ("Regex", r"^PING\s*$", [b"PING", b"PING\r\n"], [b"PINGS", b"xPING"]),
        ("Regex", r"id=\d+", [b"?id=42&x", b"id=0"], [b"id=", b"ID=4"]),
        ("Hex pattern", "02 41 03", [b"\x02A\x03"], [b"\x02A\x03\x00", b"\x02a\x03"]),
        (
            "Hex pattern",
            "02 ?? 03",
            [b"\x02\x00\x03", b"\x02\x03\x03"],
            [b"\x02\x03", b"\x02ab\x03"],
        ),
        ("Hex pattern", "AA 55 *", [b"\xaa\x55", b"\xaa\x55\x00\x01"], [b"\x00\xaa\x55"]),
    ],
)
def test_each_kind_of_match(
    match: str, pattern: str, hits: list[bytes], misses: list[bytes]
) -> None:
    rows = [row(match, pattern, "yes")]
    for message in hits:
        assert reply_to(rows, message) == b"yes", message
    for message in misses:
        assert reply_to(rows, message) is None, message


def test_the_first_match_from_the_top_answers() -> None:
    rows = [row("Exact", "PING", "one"), row("Contains", "PI", "two"), row("Contains", "", "x")]
    responder = compile_rows(rows[:2])
    first = responder.answer(b"PING")
    assert first is not None and (first.reply, first.rule) == (b"one", 1)
    second = responder.answer(b"PIPE")
    assert second is not None and (second.reply, second.rule) == (b"two", 2)
    assert responder.answer(b"nothing") is None


def test_an_answer_carries_delay_close_and_the_rule() -> None:
    responder = compile_rows([["Contains", "bye", "06", "Hex", "1500", "Close"]])
    assert responder.answer(b"goodbye") == Answer(b"\x06", 1.5, True, 1, 'rule 1 (Contains "bye")')


def test_captures_fill_the_reply() -> None:
    rows = [row("Regex", r"^GET /items/(\d+)(\?v=(\w+))?", "item $1 v$3 costs $$9 ($0)")]
    assert reply_to(rows, b"GET /items/42?v=x7") == b"item 42 vx7 costs $9 (GET /items/42?v=x7)"
    assert reply_to(rows, b"GET /items/7") == b"item 7 v costs $9 (GET /items/7)"


def test_dollars_are_literal_outside_regex_rules() -> None:
    assert reply_to([row("Contains", "a", "$1 $$")], b"a") == b"$1 $$"


def test_hex_replies_with_groups() -> None:
    rows = [row("Regex", r"(?s)^\x01(.)", "81 $1", "Hex")]
    assert reply_to(rows, b"\x01\x7f") == b"\x81\x7f"


def test_bad_cells_are_reported_and_their_rules_are_off() -> None:
    """tests/hardening/catalogue.md row 39."""
    responder = compile_rows(
        [
            row("Regex", "(ab", "x"),
            row("Regex", "(a)", "$2"),
            row("Contains", "", "x"),
            row("Hex pattern", "02 zz", "x"),
            row("Contains", "ok", "\\q"),
            ["Contains", "late", "x", "Text", "soon", "Keep open"],
            row("Contains", "a", "fine"),
        ]
    )
    where = [(e.row, e.column) for e in responder.errors]
    assert where == [
        (0, Column.PATTERN),
        (1, Column.REPLY),
        (2, Column.PATTERN),
        (3, Column.PATTERN),
        (4, Column.REPLY),
        (5, Column.DELAY),
    ]
    reasons = [e.message for e in responder.errors]
    assert "missing ) at position 4" in reasons[0]
    assert "only 1 group" in reasons[1]
    assert "empty" in reasons[2]
    assert responder.active == 1
    answer = responder.answer(b"(ab ok late a")
    assert answer is not None and (answer.rule, answer.reply) == (7, b"fine")


def test_typed_rules_compile_the_same() -> None:
    rules = [
        Rule(MatchKind.STARTS_WITH, "HELLO", "hi", PayloadFormat.TEXT, 0, Then.KEEP_OPEN),
        Rule(MatchKind.REGEX, "[", "x"),
    ]
    responder = compile_rules(rules)
    assert [(e.row, e.column) for e in responder.errors] == [(1, Column.PATTERN)]
    answer = responder.answer(b"HELLO there")
    assert answer is not None and answer.reply == b"hi"


@pytest.mark.parametrize(
    ("pattern", "stopped"),
    [
        ("(a+)+$", []),  # the example: `regex` sees through this nesting at once
        ("(a|aa)+$", [1]),  # truly catastrophic in `regex` too: only the time limit stops it
    ],
)
def test_a_catastrophic_regex_is_stopped_and_the_next_message_answered(
    pattern: str, stopped: list[int]
) -> None:
    """tests/hardening/catalogue.md row 38."""
    responder = compile_rows([row("Regex", pattern, "slow"), row("Contains", "b", "fallback")])
    timeouts: list[RuleTimeout] = []
    started = time.monotonic()
    answer = responder.answer(b"a" * 40 + b"b", timeouts.append)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0  # the limit is 0.1 s; the margin is for a loaded machine
    assert answer is not None and answer.reply == b"fallback"  # the next rule was tried
    assert [t.rule for t in timeouts] == stopped
    follow = responder.answer(b"aaaa", timeouts.append)
    assert follow is not None and follow.reply == b"slow"


def test_the_catastrophic_one_does_time_out() -> None:
    responder = compile_rows([row("Regex", "(a|aa)+$", "slow")], limit=0.05)
    timeouts: list[RuleTimeout] = []
    assert responder.answer(b"a" * 40 + b"b", timeouts.append) is None
    assert timeouts == [RuleTimeout(1, 'rule 1 (Regex "(a|aa)+$")', 0.05)]
    assert responder.answer(b"a" * 40 + b"b") is None  # without a callback: still no hang


def test_long_patterns_are_cut_in_labels() -> None:
    responder = compile_rows([row("Contains", "x" * 100)])
    answer = responder.answer(b"x" * 100)
    assert answer is not None and answer.label == f'rule 1 (Contains "{"x" * 39}…")'


def test_a_rule_that_keeps_timing_out_is_turned_off() -> None:
    responder = compile_rows(
        [row("Regex", "(a|aa)+$", "slow"), row("Contains", "b", "fallback")], limit=0.02
    )
    timeouts: list[RuleTimeout] = []
    evil = b"a" * 40 + b"b"
    for _ in range(STRIKES_BEFORE_OFF):
        answer = responder.answer(evil, timeouts.append)
        assert answer is not None and answer.reply == b"fallback"
    assert [t.turned_off for t in timeouts] == [False] * (STRIKES_BEFORE_OFF - 1) + [True]
    assert responder.active == 1
    started = time.monotonic()
    assert responder.answer(evil, timeouts.append) is not None
    assert time.monotonic() - started < 0.02  # not tried any more
    assert len(timeouts) == STRIKES_BEFORE_OFF
    assert compile_rows([row("Regex", "(a|aa)+$", "slow")]).active == 1  # an edit: back on


def test_a_reply_with_macros_counts_with_the_servers_counter() -> None:
    responder = compile_rows([row("Exact", "PING", "PONG {{counter}}"), row("Exact", "X")])
    assert responder.errors == ()
    answers = [responder.answer(b"PING"), responder.answer(b"X"), responder.answer(b"PING")]
    # Every reply is a message sent: the static one between counts too.
    assert [a.reply for a in answers if a is not None] == [b"PONG 1", b"ok", b"PONG 3"]
    assert responder.counter.sent == 3


def test_an_unknown_macro_in_a_reply_is_a_reply_cell_error() -> None:
    responder = compile_rows([row("Exact", "PING", "{{nope}}")])
    assert [(e.row, e.column) for e in responder.errors] == [(0, Column.REPLY)]
    assert "nope" in responder.errors[0].message
