"""The TCP Server tab in Rules mode, driven by objectName, with real clients on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from app.main import create_main_window
from app.net.events import Kind, LogEvent, Source
from app.ui.main_window import MainWindow
from app.ui.tabs.tcp_server import TcpServerTab
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import free_port
from tests.ui.tabs.rules_driver import cell_tip, rules_view, set_cell, use_rules
from tests.ui.tabs.tab_driver import child, logged_events, start_server

TAB = "tcpServerTab"
KEEP, CLOSE = "Keep open", "Close"


def start(qtbot: QtBot, window: MainWindow) -> int:
    return start_server(qtbot, window, "tcps", "Listening on", free_port())


def events(window: MainWindow) -> list[LogEvent]:
    return logged_events(window, Source.TCP_SERVER)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def ask(sock: socket.socket, message: bytes, size: int) -> bytes:
    sock.sendall(message)
    return recv_exactly(sock, size)


def test_rules_mode_shows_the_table_with_its_columns_and_buttons(window: MainWindow) -> None:
    view = rules_view(window, "tcps")
    assert not view.isVisible()
    use_rules_mode = child(window, QLabel, "tcpsRulesSummary")
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("Rules")
    assert view.isVisible() and use_rules_mode.isVisible()
    assert not child(window, QLineEdit, "tcpsReply").isVisible()
    model = view.model()
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers == ["Match", "Pattern", "Reply", "Reply format", "Delay (ms)", "Then"]
    for name in ("RuleAdd", "RuleRemove", "RuleUp", "RuleDown", "RulesImport", "RulesExport"):
        assert child(window, QPushButton, f"tcps{name}").isVisible()
    # The first start shows one example rule, on.
    assert model.rowCount() == 1
    assert [model.index(0, c).data() for c in range(6)] == [
        "Starts with",
        "PING",
        "PONG\\n",
        "Text",
        "0",
        KEEP,
    ]
    assert use_rules_mode.text() == "1 rule on"
    then_tip = model.headerData(5, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "close the connection" in then_tip


def test_the_example_rule_answers_ncat(qtbot: QtBot, window: MainWindow) -> None:
    if shutil.which("ncat") is None:
        pytest.skip("ncat is not installed")
    port = start(qtbot, window)
    child(window, QComboBox, "tcpsReplyMode").setCurrentText("Rules")
    done = subprocess.run(
        ["ncat", "127.0.0.1", str(port)], input=b"PING\n", capture_output=True, timeout=20
    )
    assert done.stdout == b"PONG\n", done.stderr


@pytest.mark.parametrize(
    ("rule", "message", "reply"),
    [
        (["Exact", "PING\\r\\n", "PONG", "Text", "0", KEEP], b"PING\r\n", b"PONG"),
        (["Starts with", "GET ", "200", "Text", "0", KEEP], b"GET /x", b"200"),
        (["Contains", "\\x00\\x01", "06 07", "Hex", "0", KEEP], b"a\x00\x01b", b"\x06\x07"),
        (["Regex", r"^id=(\d+);", "ok $1 $$", "Text", "0", KEEP], b"id=42;x", b"ok 42 $"),
        (["Hex pattern", "02 ?? 03", "\\x06", "Text", "0", KEEP], b"\x02\x99\x03", b"\x06"),
    ],
)
def test_each_kind_answers_end_to_end(
    qtbot: QtBot, window: MainWindow, rule: list[str], message: bytes, reply: bytes
) -> None:
    port = start(qtbot, window)
    use_rules(qtbot, window, "tcps", [["Exact", "never sent", "no", "Text", "0", KEEP], rule])
    with connect(port) as sock:
        assert ask(sock, message, len(reply)) == reply
    qtbot.waitUntil(lambda: any(e.kind is Kind.SENT for e in events(window)))
    sent = next(e for e in events(window) if e.kind is Kind.SENT)
    assert (sent.data, sent.detail.startswith("Answered by rule 2 (")) == (reply, True)


def test_an_edited_cell_applies_to_the_next_message(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    use_rules(qtbot, window, "tcps", [["Exact", "PING", "PONG", "Text", "0", KEEP]])
    with connect(port) as sock:
        assert ask(sock, b"PING", 4) == b"PONG"
        sock.sendall(b"a PING b")
        qtbot.waitUntil(lambda: any("No rule matched" in e.message for e in events(window)))
        set_cell(window, "tcps", 0, 0, "Contains")  # no restart
        assert ask(sock, b"a PING b", 4) == b"PONG"
        set_cell(window, "tcps", 0, 2, "pong!")
        assert ask(sock, b"PING", 5) == b"pong!"


def test_a_bad_pattern_is_marked_and_its_rule_is_off(qtbot: QtBot, window: MainWindow) -> None:
    """tests/hardening/catalogue.md row 39."""
    port = start(qtbot, window)
    use_rules(
        qtbot,
        window,
        "tcps",
        [["Regex", "(unclosed", "bad", "Text", "0", KEEP], ["Contains", "un", "good", "Text"]],
    )
    assert "missing ) at position 10" in cell_tip(window, "tcps", 0, 1)
    assert child(window, QLabel, "tcpsRulesSummary").text() == (
        "1 rule on · rule 1 is off: Pattern: missing ) at position 10"
    )
    with connect(port) as sock:
        assert ask(sock, b"(unclosed", 4) == b"good"
        set_cell(window, "tcps", 0, 1, "(unclosed)")
        assert cell_tip(window, "tcps", 0, 1) == ""
        assert ask(sock, b"(unclosed", 3) == b"bad"


def test_a_delay_does_not_hold_a_second_client(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    use_rules(
        qtbot,
        window,
        "tcps",
        [["Exact", "slow", "S", "Text", "1000", KEEP], ["Exact", "fast", "F", "Text", "0", KEEP]],
    )
    with connect(port) as slow, connect(port) as quick:
        started = time.monotonic()
        slow.sendall(b"slow")
        qtbot.waitUntil(lambda: any(e.kind is Kind.RECEIVED for e in events(window)))
        assert ask(quick, b"fast", 1) == b"F"
        assert time.monotonic() - started < 1.0  # the second was answered while the first is held
        assert recv_exactly(slow, 1) == b"S"
        assert time.monotonic() - started >= 0.99


def test_close_sends_the_reply_then_closes(qtbot: QtBot, window: MainWindow) -> None:
    port = start(qtbot, window)
    use_rules(qtbot, window, "tcps", [["Exact", "QUIT", "bye\\n", "Text", "0", CLOSE]])
    with connect(port) as sock:
        assert ask(sock, b"QUIT", 4) == b"bye\n"
        assert sock.recv(10) == b""
    qtbot.waitUntil(lambda: any(e.message.startswith("Closed ") for e in events(window)))
    qtbot.waitUntil(lambda: child(window, QLabel, "tcpsStatus").text().endswith("0 clients"))


def test_a_catastrophic_regex_is_logged_once_and_the_worker_answers_on(
    qtbot: QtBot, window: MainWindow
) -> None:
    """tests/hardening/catalogue.md row 38."""
    port = start(qtbot, window)
    use_rules(
        qtbot,
        window,
        "tcps",
        [["Regex", "(a|aa)+$", "never", "Text", "0", KEEP], ["Exact", "ping", "pong", "Text"]],
    )
    evil = b"a" * 40 + b"b"

    def received() -> int:
        return sum(e.kind is Kind.RECEIVED for e in events(window))

    with connect(port) as sock:
        for round_ in range(3):
            started = time.monotonic()
            sock.sendall(evil)
            # Logged alone first: sent at once, "ping" could join the same chunk.
            qtbot.waitUntil(lambda n=round_: received() == 2 * n + 1)
            assert ask(sock, b"ping", 4) == b"pong"  # the same worker, right after
            assert time.monotonic() - started < 2.0
    stopped = [e for e in events(window) if "took longer than" in e.message]
    assert len(stopped) == 1, [e.message for e in stopped]
    assert 'rule 1 (Regex "(a|aa)+$")' in stopped[0].message
    # The third time-out turned the rule off, and the log said so.
    qtbot.waitUntil(lambda: any(" is off: its pattern" in e.message for e in events(window)))


def test_rules_export_import_and_are_remembered(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    rows = [
        ["Regex", r"^GET (\w+)", "got $1", "Text", "250", CLOSE],
        ["Hex pattern", "AA 55 *", "01", "Hex", "0", KEEP],
    ]
    use_rules(qtbot, window, "tcps", rows)
    tab = window.tab(TcpServerTab)
    assert isinstance(tab, TcpServerTab)
    table = tab.replies.rules.table
    path = tmp_path / "rules.json"
    assert table.export_file(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == 1 and document["rules"][0]["delay_ms"] == 250
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "rules": [{"match": "Fuzzy", "pattern": "x"}]}')
    assert not table.import_file(bad)
    message = child(window, QLabel, "tcpsRulesMessage").text()
    assert "rule 1: 'match' is 'Fuzzy'" in message
    assert table.model.rows() == rows  # kept as they were
    table.model.set_rows([])
    assert table.import_file(path)
    assert table.model.rows() == rows
    window.close()

    again = create_main_window()
    qtbot.addWidget(again)
    tab_again = again.tab(TcpServerTab)
    assert isinstance(tab_again, TcpServerTab)
    assert tab_again.replies.rules.model.rows() == rows
    assert tab_again.replies.mode.currentText() == "Rules"
    again.close()
