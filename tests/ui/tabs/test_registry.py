"""The tab registry: the window, the settings and the self-test all follow it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.ui.application import create_main_window
from app.ui.tabs.registry import TABS, entry_for_name
from app.ui.tabs.tool_tab import ToolTab

APP = Path(__file__).resolve().parents[3] / "app"


def test_the_window_has_every_registered_tab_in_order(qtbot: QtBot, fresh_settings: str) -> None:
    window = create_main_window()
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == [entry.title for entry in TABS]
    for entry, tab in zip(TABS, window.tool_tabs, strict=True):
        assert isinstance(tab, entry.tab_class())
        assert window.findChild(QWidget, entry.object_name) is tab


def test_entries_are_distinct_and_their_widgets_share_the_prefix(
    qtbot: QtBot, fresh_settings: str
) -> None:
    assert len({e.object_name for e in TABS}) == len(TABS)
    assert len({e.title for e in TABS}) == len(TABS)
    window = create_main_window()
    qtbot.addWidget(window)
    for entry, tab in zip(TABS, window.tool_tabs, strict=True):
        for widget in tab.input_widgets():
            assert widget.objectName().startswith(entry.prefix)
            assert entry_for_name(widget.objectName()) is entry


def test_no_worker_thread_before_the_first_use(qtbot: QtBot, fresh_settings: str) -> None:
    window = create_main_window()
    qtbot.addWidget(window)
    window.show()
    # Start-up pays for no thread: a tab's worker is made when the tab is first used.
    assert [w for tab in window.tool_tabs for w in tab.workers()] == []
    tab = window.tool_tabs[0]
    worker = tab.worker  # type: ignore[attr-defined]
    qtbot.waitUntil(worker.isRunning)
    assert tab.workers() == [worker]
    window.close()
    assert worker.isFinished()


def test_a_worker_made_before_show_starts_with_the_window(
    qtbot: QtBot, fresh_settings: str
) -> None:
    window = create_main_window()
    qtbot.addWidget(window)
    worker = window.tool_tabs[1].worker  # type: ignore[attr-defined]
    assert not worker.isRunning()
    window.show()
    qtbot.waitUntil(worker.isRunning)
    window.close()
    assert worker.isFinished()


@pytest.mark.parametrize("path", sorted((APP / "ui" / "tabs").glob("*.py")), ids=lambda p: p.name)
def test_a_tab_imports_no_other_tab(path: Path) -> None:
    tab_modules = {e.module for e in TABS}
    own = f"app.ui.tabs.{path.stem}"
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not (imported & tab_modules) - {own}


@pytest.mark.parametrize(
    "module", ["app/ui/main_window.py", "app/self_test.py", "app/self_test_widgets.py"]
)
def test_window_and_self_test_name_no_tab_class(module: str) -> None:
    text = (APP.parent / module).read_text()
    for entry in TABS:
        assert entry.class_name not in text
        assert entry.module not in text


def test_every_tab_class_is_a_tool_tab() -> None:
    for entry in TABS:
        assert issubclass(entry.tab_class(), ToolTab)


def test_the_tutorials_three_programs_are_the_first_three_tabs() -> None:
    assert [e.title for e in TABS[:3]] == ["TCP Client", "UDP Sender", "HTTP Server"]
    assert {"TCP Server", "UDP Listener"} <= {e.title for e in TABS}
