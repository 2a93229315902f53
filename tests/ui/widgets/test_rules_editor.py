"""The rules editor: every edit recompiles, bad cells are red with the reason, a summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.net.rules.responder import Responder
from app.ui.widgets.reply_editor import ReplyEditor
from app.ui.widgets.rules_editor import EXAMPLE_ROWS, RulesEditor


def editor(qtbot: QtBot, protocol: str = "tcp") -> RulesEditor:
    made = RulesEditor("demo", protocol)
    qtbot.addWidget(made)
    return made


def test_it_starts_with_the_example_on(qtbot: QtBot) -> None:
    rules = editor(qtbot)
    assert rules.model.rows() == EXAMPLE_ROWS
    answer = rules.responder().answer(b"PING\r\n")
    assert answer is not None and answer.reply == b"PONG\n"
    assert rules.summary.text() == "1 rule on"


def test_an_edit_hands_on_a_new_responder_and_marks_cells(qtbot: QtBot) -> None:
    rules = editor(qtbot)
    model = rules.view.model()
    with qtbot.waitSignal(rules.responder_changed) as changed:
        assert model.setData(model.index(0, 0), "Regex")
    assert isinstance(changed.args[0], Responder)
    with qtbot.waitSignal(rules.responder_changed):
        assert model.setData(model.index(0, 1), "[")
    tip = model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert "unterminated character set" in tip
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is not None
    assert rules.responder().active == 0
    assert rules.summary.text().startswith("0 rules on · rule 1 is off: Pattern: unterminated")
    model.setData(model.index(0, 1), "[a]")
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) is None
    assert rules.summary.text() == "1 rule on"


def test_the_summary_counts_several_rules_off_and_an_empty_table(qtbot: QtBot) -> None:
    rules = editor(qtbot)
    rules.model.set_rows(
        [
            ["Regex", "(", "x", "Text", "0", "Keep open"],
            ["Exact", "ok", "x", "Text", "0", "Keep open"],
            ["Exact", "", "x", "Text", "-3", "Keep open"],
        ]
    )
    assert rules.summary.text() == (
        "1 rule on · 2 off (rules 1, 3): hover the red cells for the reasons"
    )
    rules.model.set_rows([])
    assert rules.summary.text().startswith("No rules: every message goes unanswered")


def test_the_then_column_says_what_close_means_for_each_protocol(qtbot: QtBot) -> None:
    for protocol, words in (("tcp", "close the connection"), ("udp", "UDP has no connection")):
        made = editor(qtbot, protocol)
        model = made.view.model()
        tip = model.headerData(5, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert words in tip


def test_rules_are_compiled_only_once_in_use(qtbot: QtBot) -> None:
    replies = ReplyEditor("demo", "hi", "tcp")
    qtbot.addWidget(replies)
    assert replies.current()[2] is None  # Echo: no responder handed on
    model = replies.rules.view.model()
    replies.rules.model.set_rows([["Regex", "(", "x", "Text", "0", "Keep open"]])
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) is None  # not yet
    with qtbot.waitSignal(replies.reply_changed) as changed:
        replies.mode.setCurrentText("Rules")
    responder = changed.args[2]
    assert isinstance(responder, Responder) and responder.active == 0
    assert "missing )" in model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)


def test_start_up_does_not_import_the_regex_package(tmp_path: Path) -> None:
    # Rules cost their 13 ms of imports only to a window that uses them.
    code = (
        "import sys\n"
        "from app.ui.application import ensure_application\n"
        "ensure_application()\n"
        "from app.main import create_main_window\n"
        "window = create_main_window()\n"
        "print('regex' in sys.modules)\n"
    )
    env = {**os.environ, "SOCKET_TESTER_SETTINGS": str(tmp_path / "s.ini")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.stdout.strip() == "False", done.stderr
