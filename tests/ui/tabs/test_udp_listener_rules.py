"""The UDP Listener tab in Rules mode, driven by objectName, with real UDP peers on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent, Source
from app.ui.main_window import MainWindow
from tests.udp_peers import free_udp_port
from tests.ui.tabs.rules_driver import cell_tip, rules_view, set_cell, use_rules
from tests.ui.tabs.tab_driver import child, logged_events, start_server

TAB = "udpListenerTab"
KEEP, CLOSE = "Keep open", "Close"


def start(qtbot: QtBot, window: MainWindow) -> tuple[str, int]:
    return ("127.0.0.1", start_server(qtbot, window, "udpl", "Listening on", free_udp_port()))


def events(window: MainWindow) -> list[LogEvent]:
    return logged_events(window, Source.UDP_LISTENER)


def peer() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    return sock


def ask(sock: socket.socket, address: tuple[str, int], message: bytes) -> bytes:
    sock.sendto(message, address)
    return sock.recv(65_535)


def test_rules_mode_shows_the_table_and_buttons(window: MainWindow) -> None:
    child(window, QComboBox, "udplReplyMode").setCurrentText("Rules")
    view = rules_view(window, "udpl")
    assert view.isVisible()
    model = view.model()
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert headers == ["Match", "Pattern", "Reply", "Reply format", "Delay (ms)", "Then"]
    for name in ("RuleAdd", "RuleRemove", "RuleUp", "RuleDown", "RulesImport", "RulesExport"):
        assert child(window, QPushButton, f"udpl{name}").isVisible()
    then_tip = model.headerData(5, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "UDP has no connection" in then_tip


@pytest.mark.parametrize(
    ("rule", "message", "reply"),
    [
        (["Exact", "PING", "PONG", "Text", "0", KEEP], b"PING", b"PONG"),
        (["Starts with", "\\x01", "ack", "Text", "0", KEEP], b"\x01\x02", b"ack"),
        (["Contains", "temp?", "21.5", "Text", "0", KEEP], b"get temp?", b"21.5"),
        (["Regex", r"^set (\w+)=(\d+)$", "$1 is $2", "Text", "0", KEEP], b"set x=7", b"x is 7"),
        (
            ["Hex pattern", "FE ?? ?? FF", "FE 00 FF", "Hex", "0", KEEP],
            b"\xfe\x01\x02\xff",
            b"\xfe\x00\xff",
        ),
    ],
)
def test_each_kind_answers_end_to_end(
    qtbot: QtBot, window: MainWindow, rule: list[str], message: bytes, reply: bytes
) -> None:
    address = start(qtbot, window)
    use_rules(qtbot, window, "udpl", [["Exact", "never sent", "no", "Text", "0", KEEP], rule])
    with peer() as sock:
        assert ask(sock, address, message) == reply
    qtbot.waitUntil(lambda: any(e.kind is Kind.SENT for e in events(window)))
    sent = next(e for e in events(window) if e.kind is Kind.SENT)
    assert sent.data == reply and sent.detail.startswith("Answered by rule 2 (")


def test_ncat_gets_its_answer(qtbot: QtBot, window: MainWindow) -> None:
    if shutil.which("ncat") is None:
        pytest.skip("ncat is not installed")
    host, port = start(qtbot, window)
    use_rules(qtbot, window, "udpl", [["Starts with", "PING", "PONG\\n", "Text", "0", KEEP]])
    with subprocess.Popen(
        ["ncat", "-u", host, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as run:
        try:
            assert run.stdin is not None and run.stdout is not None
            run.stdin.write(b"PING\n")
            run.stdin.flush()
            assert run.stdout.readline() == b"PONG\n"
        finally:
            run.kill()


def test_an_edited_cell_applies_to_the_next_datagram(qtbot: QtBot, window: MainWindow) -> None:
    address = start(qtbot, window)
    use_rules(qtbot, window, "udpl", [["Exact", "PING", "PONG", "Text", "0", KEEP]])
    with peer() as sock:
        assert ask(sock, address, b"PING") == b"PONG"
        sock.sendto(b"xPINGx", address)
        qtbot.waitUntil(lambda: any("No rule matched" in e.message for e in events(window)))
        set_cell(window, "udpl", 0, 0, "Contains")
        assert ask(sock, address, b"xPINGx") == b"PONG"
    said = [e for e in events(window) if "No rule matched" in e.message]
    assert len(said) == 1 and said[0].message.endswith("(said once per peer)")


def test_a_delay_does_not_hold_another_peer_and_close_means_nothing(
    qtbot: QtBot, window: MainWindow
) -> None:
    address = start(qtbot, window)
    use_rules(
        qtbot,
        window,
        "udpl",
        [["Exact", "slow", "S", "Text", "1000", CLOSE], ["Exact", "fast", "F", "Text", "0", KEEP]],
    )
    with peer() as slow, peer() as quick:
        started = time.monotonic()
        slow.sendto(b"slow", address)
        assert ask(quick, address, b"fast") == b"F"
        assert time.monotonic() - started < 1.0  # the second was answered while the first is held
        assert slow.recv(100) == b"S"
        assert time.monotonic() - started >= 0.99
        assert ask(slow, address, b"fast") == b"F"  # "Close" ended nothing


def test_a_bad_pattern_and_the_catastrophic_regex(qtbot: QtBot, window: MainWindow) -> None:
    address = start(qtbot, window)
    use_rules(
        qtbot,
        window,
        "udpl",
        [
            ["Hex pattern", "02 0", "x", "Hex", "0", KEEP],
            ["Regex", "(a|aa)+$", "never", "Text", "0", KEEP],
            ["Exact", "ping", "pong", "Text", "0", KEEP],
        ],
    )
    assert "lone hex digit '0' at position 4" in cell_tip(window, "udpl", 0, 1)
    assert child(window, QLabel, "udplRulesSummary").text().startswith("2 rules on · rule 1 is off")
    with peer() as sock:
        for _ in range(3):
            started = time.monotonic()
            sock.sendto(b"a" * 40 + b"b", address)
            assert ask(sock, address, b"ping") == b"pong"
            assert time.monotonic() - started < 2.0
    qtbot.waitUntil(lambda: sum(e.kind is Kind.SENT for e in events(window)) == 3)
    stopped = [e for e in events(window) if "took longer than" in e.message]
    assert len(stopped) == 1 and stopped[0].message.endswith("(said once per peer)")
