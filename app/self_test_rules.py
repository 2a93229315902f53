"""The self-test's "tcp rules" step: a rule of the TCP Server tab answers a raw client.

Typed by StepContext (app/self_test_context.py), so app.self_test can import it. The
rules and the reply mode the person had are put back afterwards.
"""

from __future__ import annotations

import secrets
from functools import partial

from PySide6.QtWidgets import QComboBox, QTableView

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, TcpEchoProbe, free_loopback_port
from app.self_test_widgets import StepFailed, choose, find, set_number, set_text, text_of
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
        _answer(test, port, f"PING {token}".encode(), f"PONG {token}".encode())
    finally:
        model.set_rows(saved_rows)
        mode.setCurrentText(saved_mode)


def _answer(test: StepContext, port: int, message: bytes, reply: bytes) -> None:
    window, source = test.window, Source.TCP_SERVER
    test.click("tcpsStart")
    status = partial(text_of, window, "tcpsStatus")
    test.wait(
        lambda: status().startswith("Listening"),
        "'Listening' in tcpsStatus",
        lambda: f"tcpsStatus says {status()!r}; " + test.errors(source),
    )
    try:
        probe = TcpEchoProbe(port, message).start()
        try:
            test.wait(
                lambda: probe.result is not None or bool(probe.error),
                "the rule's answer at the client",
                lambda: "the client is still waiting; " + test.errors(source),
            )
        finally:
            probe.join()
        if probe.error or probe.result != reply:
            raise StepFailed(f"the client got {probe.result!r} ({probe.error or 'no error'})")

        def logged() -> bool:
            return any(
                e.kind is Kind.SENT and e.data == reply and "rule 1" in e.detail
                for e in test.events(source)
            )

        test.wait(logged, "a sent row naming rule 1 in the log", lambda: test.errors(source))
        test.expected_sent += len(reply)
        test.expected_received += len(message)
    finally:
        test.click("tcpsStart")  # Stop
        test.wait(
            lambda: status().startswith("Stopped"),
            "'Stopped' in tcpsStatus",
            lambda: f"tcpsStatus says {status()!r}",
        )
