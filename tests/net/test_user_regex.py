"""Typed patterns: clear compile errors, groups in replies, and a time limit that holds."""

from __future__ import annotations

import time

import pytest

from app.net.user_regex import MatchTimeout, PatternError, compile_user_regex, expand_groups


def test_matches_bytes_with_escapes() -> None:
    pattern = compile_user_regex(r"^\x02(\d+)\x03$")
    match = pattern.search(b"\x02123\x03")
    assert match is not None and match.group(1) == b"123"


@pytest.mark.parametrize(
    ("source", "reason"),
    [("(ab", r"missing \) at position 4"), ("", "empty"), ("caf\u00e9\u20ac", "not a byte")],
)
def test_bad_patterns_say_why(source: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_user_regex(source)


def test_the_issue_pattern_is_answered_at_once() -> None:
    # `regex` spots the nested quantifier that makes `re` take minutes here.
    assert compile_user_regex(r"(a+)+$").search(b"a" * 40 + b"b") is None


def test_catastrophic_pattern_is_stopped_quickly_and_the_next_match_works() -> None:
    pattern = compile_user_regex(r"(a|aa)+$")
    started = time.monotonic()
    with pytest.raises(MatchTimeout):
        pattern.search(b"a" * 40 + b"b", timeout=0.05)
    assert time.monotonic() - started < 1.0
    assert pattern.search(b"aaa") is not None


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (b"PONG", b"PONG"),
        (b"got $1 and $2", b"got 7 and x"),
        (b"$0!", b"ID=7x!"),
        (b"cost $$5", b"cost $5"),
        (b"$9 stays", b"$9 stays"),
        (b"ends with $", b"ends with $"),
        (b"$a", b"$a"),
    ],
)
def test_expand_groups(template: bytes, expected: bytes) -> None:
    match = compile_user_regex(r"ID=(\d)(x)").search(b"ID=7x")
    assert match is not None
    assert expand_groups(template, match) == expected
