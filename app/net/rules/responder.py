"""The rule engine: rows compiled once into a Responder that answers messages (sans-IO).

    responder = compile_rows([["Contains", "PING", "PONG\\n", "Text", "0", "Keep open"]])
    responder.errors          # CellError per unusable cell; such a rule is off
    responder.answer(b"PING\\n")  # Answer(reply=b"PONG\\n", delay=0.0, close=False, ...)

Rules are tried top to bottom and the first that matches answers; None means none did.
Text patterns (Exact, Starts with, Contains) are typed with the payload escapes
(`\\r \\n \\t \\0 \\\\ \\xNN`); Regex patterns are searched in the message (anchor with ^ and $)
and their groups fill `$0`…`$9` in the reply; Hex patterns match the whole message.

A Regex or Hex pattern runs with a time limit (user_regex.py): when it passes, the rule
counts as no match for that message, the caller is told through `on_timeout` (it logs it
once), and the next rule is tried; after STRIKES_BEFORE_OFF time-outs the rule is off for
this Responder. The GUI thread compiles a Responder and hands it to a worker, which is
then the only thread that calls `answer` (the strikes are its state).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import regex

from app.net.rules.hex_pattern import compile_hex_pattern
from app.net.rules.literal_prefix import NONE as NO_PREFIX
from app.net.rules.literal_prefix import LiteralPrefix, literal_prefix
from app.net.rules.reply_template import ReplyTemplate, compile_reply
from app.net.rules.rule import CellError, Column, MatchKind, Rule, Then, rule_from_cells
from app.net.user_regex import (
    MATCH_TIMEOUT,
    MatchTimeout,
    PatternError,
    UserRegex,
    compile_user_regex,
)
from app.payload import MessageCounter, PayloadError, parse_text

# A rule whose pattern ran out of time this often is turned off until the rules are next
# compiled (an edit): each time-out costs the worker the whole limit, and a pattern that
# is catastrophic on what a client sends would otherwise cost it on every message.
STRIKES_BEFORE_OFF = 3
# Shown patterns are cut here in log lines; the detail view of the rule row has it whole.
_LABEL_PATTERN_CHARS = 40


class Answer(NamedTuple):
    reply: bytes
    delay: float  # seconds to hold this reply
    close: bool  # close the connection once the reply is sent (TCP)
    rule: int  # the rule's number as the table shows it, from 1
    label: str  # 'rule 2 (Contains "PING")', for log lines


class RuleTimeout(NamedTuple):
    rule: int
    label: str
    limit: float  # seconds
    turned_off: bool = False  # this was its STRIKES_BEFORE_OFF-th: the rule is off now


TimeoutCallback = Callable[[RuleTimeout], None]


class _Compiled(NamedTuple):
    kind: MatchKind
    needle: bytes  # Exact, Starts with, Contains, and a Hex pattern without wildcards
    pattern: UserRegex | None  # Regex, and a Hex pattern with wildcards
    prefix: LiteralPrefix  # what a message needs for `pattern` to be worth running
    template: ReplyTemplate
    answer: Answer  # the whole answer when the reply has no groups to fill


class Responder:
    """Compiled rules; `answer` is called in a worker thread, many times a second."""

    def __init__(self, rules: Sequence[Rule], errors: Sequence[CellError], limit: float) -> None:
        self.rules = tuple(rules)
        self.errors = tuple(errors)
        self.limit = limit
        bad_rows = {error.row for error in self.errors}
        self._active: list[_Compiled] = []
        self._strikes: dict[int, int] = {}  # rule number: time-outs so far
        # The tab's {{counter}} for replies with macros: the server hands in its own.
        self.counter = MessageCounter()
        for row, rule in enumerate(self.rules):
            if row not in bad_rows:
                self._active.append(_compile_checked(row, rule))

    @property
    def active(self) -> int:
        """How many rules are on (those without an error)."""
        return len(self._active)

    def answer(self, message: bytes, on_timeout: TimeoutCallback | None = None) -> Answer | None:
        starts, contains = MatchKind.STARTS_WITH, MatchKind.CONTAINS
        for rule in self._active:
            kind = rule.kind
            pattern = rule.pattern
            if pattern is None:
                if kind is contains:
                    hit = rule.needle in message
                elif kind is starts:
                    hit = message.startswith(rule.needle)
                else:  # Exact, and a Hex pattern of plain bytes
                    hit = message == rule.needle
                if hit:
                    return self._filled(rule)
                continue
            if rule.prefix.excludes(message):
                continue
            try:
                if kind is MatchKind.REGEX:
                    found = pattern.search(message, self.limit)
                else:
                    found = pattern.fullmatch(message, self.limit)
            except MatchTimeout:
                self._strike(rule, on_timeout)
                continue
            if found is not None:
                return self._filled(rule, found)
        return None

    def _filled(self, rule: _Compiled, found: regex.Match[bytes] | None = None) -> Answer:
        """The rule's answer, counted as a message sent (rendering a template counts)."""
        template = rule.template
        if template.fixed is not None:
            self.counter.sent += 1
            return rule.answer
        return rule.answer._replace(reply=template.fill(found, self.counter))

    def _strike(self, rule: _Compiled, on_timeout: TimeoutCallback | None) -> None:
        number = rule.answer.rule
        strikes = self._strikes[number] = self._strikes.get(number, 0) + 1
        turned_off = strikes >= STRIKES_BEFORE_OFF
        if turned_off:
            # A new list: a loop in `answer` goes on over the old one unharmed.
            self._active = [other for other in self._active if other is not rule]
        if on_timeout is not None:
            on_timeout(RuleTimeout(number, rule.answer.label, self.limit, turned_off))


def compile_rows(rows: Sequence[Sequence[str]], limit: float = MATCH_TIMEOUT) -> Responder:
    """Rows of table cells (see rule.Column) to a Responder; bad cells are in `.errors`."""
    rules: list[Rule] = []
    errors: list[CellError] = []
    for row, cells in enumerate(rows):
        rule, cell_errors = rule_from_cells(row, cells)
        rules.append(rule)
        errors.extend(cell_errors)
        errors.extend(check_rule(row, rule))
    return Responder(rules, errors, limit)


def compile_rules(rules: Sequence[Rule], limit: float = MATCH_TIMEOUT) -> Responder:
    errors = [error for row, rule in enumerate(rules) for error in check_rule(row, rule)]
    return Responder(rules, errors, limit)


def check_rule(row: int, rule: Rule) -> list[CellError]:
    """What is wrong with a rule's pattern and reply, cell by cell (empty: it is usable)."""
    errors: list[CellError] = []
    groups: int | None = None
    try:
        groups = _pattern_groups(rule)
    except (PatternError, PayloadError) as exc:
        errors.append(CellError(row, Column.PATTERN, str(exc)))
    try:
        # Without a usable pattern the groups are unknown: check the reply as if all exist.
        if rule.match is MatchKind.REGEX:
            compile_reply(rule.reply, rule.reply_format, 9 if groups is None else groups)
        else:
            compile_reply(rule.reply, rule.reply_format, None)
    except PayloadError as exc:
        errors.append(CellError(row, Column.REPLY, str(exc)))
    return errors


def label_of(number: int, rule: Rule) -> str:
    shown = rule.pattern
    if len(shown) > _LABEL_PATTERN_CHARS:
        shown = shown[: _LABEL_PATTERN_CHARS - 1] + "…"
    return f'rule {number} ({rule.match.value} "{shown}")'


def _pattern_groups(rule: Rule) -> int:
    """The group count of a usable pattern; raises PatternError or PayloadError."""
    if rule.match is MatchKind.REGEX:
        return int(compile_user_regex(rule.pattern).compiled.groups)
    if rule.match is MatchKind.HEX_PATTERN:
        compile_hex_pattern(rule.pattern)
    elif not parse_text(rule.pattern):
        raise PatternError("the pattern is empty")
    return 0


def _compile_checked(row: int, rule: Rule) -> _Compiled:
    """A rule `check_rule` passed, compiled for matching."""
    needle = b""
    pattern: UserRegex | None = None
    groups: int | None = None
    prefix = NO_PREFIX
    if rule.match is MatchKind.REGEX:
        pattern = compile_user_regex(rule.pattern)
        groups = int(pattern.compiled.groups)
        prefix = literal_prefix(pattern.compiled.pattern)
    elif rule.match is MatchKind.HEX_PATTERN:
        hex_pattern = compile_hex_pattern(rule.pattern)
        pattern = hex_pattern.wildcard
        needle = hex_pattern.literal or b""
        prefix = LiteralPrefix(hex_pattern.prefix, anchored=True)
    else:
        needle = parse_text(rule.pattern)
    template = compile_reply(rule.reply, rule.reply_format, groups)
    number = row + 1
    answer = Answer(
        template.fixed or b"",
        rule.delay_ms / 1000,
        rule.then is Then.CLOSE,
        number,
        label_of(number, rule),
    )
    kind = (
        MatchKind.EXACT if rule.match is MatchKind.HEX_PATTERN and pattern is None else rule.match
    )
    return _Compiled(kind, needle, pattern, prefix, template, answer)
