"""The log table's context menu: copy the selected rows, or their data as hex or text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QGuiApplication

from app.net.events import LogEvent
from app.payload import PayloadFormat
from app.ui.log.detail import format_data_hex, format_data_text, format_rows
from app.ui.log.model import COL_TIME
from app.ui.log.table_view import LogTableView


class LogCopyActions(QObject):
    """Three actions on `view`; `event_at` maps a row of the shown model to its event."""

    def __init__(
        self,
        view: LogTableView,
        event_at: Callable[[int], LogEvent],
        display_format: Callable[[], PayloadFormat],
    ) -> None:
        super().__init__(view)
        self._view = view
        self._event_at = event_at
        self._display_format = display_format
        self.rows_action = QAction("Copy rows", view)
        self.rows_action.setObjectName("logCopyRows")
        self.rows_action.setShortcut("Ctrl+C")
        # Shown in the menu only; the view's own key handler does the copying, so the
        # shortcut cannot fire twice or clash with the detail view's Ctrl+C.
        self.rows_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rows_action.setShortcutVisibleInContextMenu(True)
        self.hex_action = QAction("Copy data as hex", view)
        self.hex_action.setObjectName("logCopyHex")
        self.text_action = QAction("Copy data as text", view)
        self.text_action.setObjectName("logCopyText")
        self.rows_action.triggered.connect(self.copy_rows)
        self.hex_action.triggered.connect(self.copy_data_hex)
        self.text_action.triggered.connect(self.copy_data_text)
        for action in (self.rows_action, self.hex_action, self.text_action):
            view.addAction(action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.copy_requested.connect(self.copy_rows)

    def selected_rows(self) -> list[int]:
        """Rows of the shown model that are selected, or the current one; ascending."""
        rows: set[int] = set()
        for selected in self._view.selectionModel().selection():
            rows.update(range(selected.top(), selected.bottom() + 1))
        if not rows and self._view.currentIndex().isValid():
            rows.add(self._view.currentIndex().row())
        return sorted(rows)

    @Slot()
    def copy_rows(self) -> None:
        """Put the selected rows on the clipboard as tab-separated lines."""
        shown = self._view.model()
        rows = [
            (str(shown.data(shown.index(row, COL_TIME))), self._event_at(row))
            for row in self.selected_rows()
        ]
        if rows:
            QGuiApplication.clipboard().setText(format_rows(rows, self._display_format()))

    @Slot()
    def copy_data_hex(self) -> None:
        events = [self._event_at(row) for row in self.selected_rows()]
        if events:
            QGuiApplication.clipboard().setText(format_data_hex(events))

    @Slot()
    def copy_data_text(self) -> None:
        events = [self._event_at(row) for row in self.selected_rows()]
        if events:
            QGuiApplication.clipboard().setText(format_data_text(events))
