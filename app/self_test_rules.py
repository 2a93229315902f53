"""The self-test's "tcp rules" step: a rule of the TCP Server tab answers a raw client.

Typed by StepContext (app/self_test_context.py), so app.self_test can import it. The
rules and the reply mode the person had are put back afterwards.
"""

from __future__ import annotations

import secrets

from PySide6.QtWidgets import QComboBox, QTableView

from app.net.events import Kind, LogEvent
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, free_loopback_port
from app.self_test_tcp_server import tcp_server_exchange
from app.self_test_widgets import StepFailed, choose, find, set_number, set_text
from app.ui.widgets.rows_table import RowsModel

# "PING x" becomes "PONG x": the same length, so the echo probe reads the whole answer.
RULE = ["Regex", r"^PING (\w+)$", "PONG $1", "Text", "0", "Keep open"]


def tcp_rules_step(test: StepContext) -> None:
    window = test.window
    view = window.findChild(QTableView, "tcpsRules")
    model = view.model() if view is not None else None
    if view is None or not isinstance(model, RowsModel):
        raise StepFailed("no rules table named tcpsRules")
    mode = find(window, QComboBox, "tcpsReplyMode")
    assert isinstance(mode, QComboBox)
    saved_rows, saved_mode = model.rows(), mode.currentText()
    token = secrets.token_hex(4)
    port = free_loopback_port()
    set_text(window, "tcpsBind", LOOPBACK)
    set_number(window, "tcpsPort", port)
    choose(window, "tcpsReplyMode", "Rules")
    try:
        view.selectAll()
        if model.rowCount():
            test.click("tcpsRuleRemove")
        test.click("tcpsRuleAdd")
        for column, text in enumerate(RULE):
            if not model.setData(model.index(0, column), text):
                raise StepFailed(f"tcpsRules refused {text!r} in column {column + 1}")
        reply = f"PONG {token}".encode()

        def logged(events: list[LogEvent]) -> bool:
            return any(
                e.kind is Kind.SENT and e.data == reply and "rule 1" in e.detail for e in events
            )

        tcp_server_exchange(
            test, port, f"PING {token}".encode(), reply, logged, "a sent row naming rule 1"
        )
    finally:
        model.set_rows(saved_rows)
        mode.setCurrentText(saved_mode)
