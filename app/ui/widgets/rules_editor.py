"""The rules table of a server tab's Rules mode: `<prefix>Rules` and its row buttons.

While the table is in use, every edit recompiles the rules (cheap: a few patterns) in the
GUI thread and hands the new Responder on through `responder_changed`; the worker swaps
it in for the next message, so nothing restarts. While it is not (another reply mode),
edits only mark the rules stale: compiling imports the `regex` package, which would add
13 ms to every start-up of a window that never uses rules. A cell that cannot be used
is red with the reason as its tooltip and its rule is off; the line under the table
counts the rules on and off.
Matching itself runs only in the worker (app/net/rules/responder.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.net.rules.rule import (
    COLUMN_TITLES,
    FORMAT_CHOICES,
    MATCH_CHOICES,
    THEN_CHOICES,
    Column,
    MatchKind,
    Then,
)
from app.net.rules.rules_file import dump_rules, load_rules
from app.ui.widgets.rows_table import RowColumn, RowsCodec, RowsTable
from app.units import plural

if TYPE_CHECKING:
    from app.net.rules.responder import Responder

_ROWS_IN_VIEW = 5
# What a first start shows: one rule that says what the table is for.
EXAMPLE_ROWS = [["Starts with", "PING", "PONG\\n", "Text", "0", "Keep open"]]

_MATCH_TIP = (
    "Exact: the whole message · Starts with · Contains · Regex: searched in the message "
    "(anchor with ^ and $), $0…$9 in the reply insert its groups · Hex pattern: the whole "
    "message as hex bytes, ?? any one byte, * any run (AA 55 * starts with AA 55)"
)
_PATTERN_TIP = (
    "Text with escapes (\\r \\n \\t \\0 \\\\ \\xNN) for Exact, Starts with and Contains; "
    "a regular expression (run with a time limit) for Regex; hex bytes for Hex pattern"
)
_REPLY_TIP = (
    "Text with escapes or hex, as Reply format says; in a Regex rule $0…$9 insert the "
    "groups and $$ is a dollar sign. Empty: the message is taken and nothing is sent"
)
_DELAY_TIP = "Hold this reply for so many milliseconds; other messages and clients go on"
_THEN_TIPS = {
    "tcp": "Close: send the reply, then close the connection",
    "udp": "UDP has no connection: Close means nothing more than Keep open",
}


def rule_columns(protocol: str) -> tuple[RowColumn, ...]:
    tips = (_MATCH_TIP, _PATTERN_TIP, _REPLY_TIP, "How the Reply is typed", _DELAY_TIP)
    defaults = (MatchKind.CONTAINS.value, "", "", FORMAT_CHOICES[0], "0", Then.KEEP_OPEN.value)
    choices = (MATCH_CHOICES, (), (), FORMAT_CHOICES, (), THEN_CHOICES)
    widths = (110, 0, 0, 95, 80, 90)
    all_tips = (*tips, _THEN_TIPS[protocol])
    return tuple(
        RowColumn(title, default, choice, width, tip)
        for title, default, choice, width, tip in zip(
            COLUMN_TITLES, defaults, choices, widths, all_tips, strict=True
        )
    )


class RulesEditor(QWidget):
    responder_changed = Signal(object)  # Responder, after every edit while in use

    def __init__(self, prefix: str, protocol: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = RowsTable(
            f"{prefix}Rules",
            f"{prefix}Rule",
            f"{prefix}Rules",
            rule_columns(protocol),
            RowsCodec(dump_rules, load_rules),
        )
        self.view = self.table.view
        self.model = self.table.model
        self.view.setToolTip(
            "Tried top to bottom on each message; the first that matches answers. "
            "No match: nothing is sent (the log says so once per "
            f"{'connection' if protocol == 'tcp' else 'peer'})"
        )
        # Five rules in view at least: the table shares its group's height with the clients.
        rows_height = self.view.verticalHeader().defaultSectionSize() * _ROWS_IN_VIEW
        header_height = self.view.horizontalHeader().sizeHint().height()
        self.view.setMinimumHeight(rows_height + header_height + 2 * self.view.frameWidth())
        self.summary = QLabel()
        self.summary.setObjectName(f"{prefix}RulesSummary")
        self._responder: Responder | None = None  # None: the rows changed since compiled
        self._in_use = True
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        column.addWidget(self.summary)
        self.model.set_rows(EXAMPLE_ROWS)  # compiled when first needed
        self.table.rows_changed.connect(self._rows_changed)

    def responder(self) -> Responder:
        """The rules as they stand, compiled (now, if they changed since)."""
        if self._responder is None:
            self._responder = self._compile()
        return self._responder

    def set_in_use(self, in_use: bool) -> None:
        """In use (Rules mode), edits recompile at once and `responder_changed` says so."""
        self._in_use = in_use
        if in_use:
            self.responder()

    @Slot()
    def _rows_changed(self) -> None:
        self._responder = None
        if self._in_use:
            self.responder_changed.emit(self.responder())

    def _compile(self) -> Responder:
        from app.net.rules.responder import compile_rows  # on first use (see above)

        rows = self.model.rows()
        responder = compile_rows(rows)
        errors = {(e.row, int(e.column)): e.message for e in responder.errors}
        for row in range(len(rows)):
            for column in Column:
                self.model.set_cell_error(row, column, errors.get((row, int(column)), ""))
        self.summary.setText(_summary(len(rows), responder))
        return responder


def _summary(rows: int, responder: Responder) -> str:
    """How many rules are on; which are off, and why when it is one reason."""
    if not rows:
        return "No rules: every message goes unanswered. Add one."
    text = f"{plural(responder.active, 'rule')} on"
    off = sorted({error.row + 1 for error in responder.errors})
    if len(off) == 1:
        first = responder.errors[0]
        text += f" · rule {off[0]} is off: {COLUMN_TITLES[first.column]}: {first.message}"
        if len(responder.errors) > 1:
            text += " (and more: hover the red cells)"
    elif off:
        numbers = ", ".join(map(str, off))
        text += f" · {len(off)} off (rules {numbers}): hover the red cells for the reasons"
    return text
