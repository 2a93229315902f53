"""The Messages panel: the saved-message library shared by every tab, beside the tabs.

Save keeps the current tab's typed payload under a name; Load (or a double-click) puts
the selected message into the current tab's editor, whichever tab saved it; Send loads
and sends. The library itself (and its file format) is `app.messages.library`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.messages.library import (
    LIBRARY_FILE,
    LibraryFileError,
    MessageLibrary,
    SavedMessage,
)
from app.payload import LineEnding
from app.ui.settings_store import open_settings
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.field_feedback import ERROR_TEXT_STYLE

PREVIEW_CHARS = 60
TOOLTIP_CHARS = 500
COLUMNS = ("Name", "Tab", "Format", "Preview")
# Tab and Format are short and fit their text up to these widths; Name and Preview
# share what is left, so widening the panel widens both.
MAX_COLUMN_WIDTHS = {1: 80, 2: 90}
_NAME_ROLE = Qt.ItemDataRole.UserRole
_TIPS = {
    "messageSave": "Keep the current tab's payload, format and line ending under this name "
    "(the same name replaces)",
    "messageLoad": "Put the selected message into the current tab's payload field",
    "messageSend": "Load the selected message and send it from the current tab",
    "messageDelete": "Remove the selected message from the library",
    "messagesImport": "Add the messages of a JSON file (the same names are replaced)",
    "messagesExport": "Write every message to a JSON file",
}


def library_path() -> Path:
    """`messages.json` beside the settings file (the tests' scratch one when they set it)."""
    return Path(open_settings().fileName()).with_name(LIBRARY_FILE)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_text(message: SavedMessage) -> str:
    payload = message.payload
    if payload.line_ending is LineEnding.NONE:
        return payload.format.value
    return f"{payload.format.value} + {payload.line_ending.value}"


class _MessageItem(QTreeWidgetItem):
    """Sorts as a person reads a list of names: "ping" between "Modbus" and "SCPI"."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        column = self.treeWidget().sortColumn() if self.treeWidget() is not None else 0
        return self.text(column).casefold() < other.text(column).casefold()


class MessagesPanel(QWidget):
    """`messagesPanel`: the list, a name field and the buttons the issue names."""

    # Text of each result or problem, also shown in the panel's note line.
    noted = Signal(str)

    def __init__(
        self, tabs: QTabWidget, library: MessageLibrary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messagesPanel")
        self._tabs = tabs
        self.library = library

        self.list = QTreeWidget()
        self.list.setObjectName("messagesList")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.list.header()
        header.setStretchLastSection(True)
        for column in (0, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.list.setToolTip(
            "Double-click or Enter loads a message into the current tab; Delete removes it"
        )

        self.name = QLineEdit()
        self.name.setObjectName("messageName")
        self.name.setPlaceholderText("Save the payload as…")
        self.name.setMaxLength(200)
        self.save_button = self._button("messageSave", "Save")
        self.load_button = self._button("messageLoad", "Load")
        self.send_button = self._button("messageSend", "Send")
        self.delete_button = self._button("messageDelete", "Delete")
        self.import_button = self._button("messagesImport", "Import…")
        self.export_button = self._button("messagesExport", "Export…")
        self.note = QLabel()
        self.note.setObjectName("messagesNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._build_layout()
        self._fill_list()
        self._update_buttons()

        self.list.itemSelectionChanged.connect(self._on_selection)
        self.list.itemDoubleClicked.connect(self._on_double_click)
        self.name.textChanged.connect(self._update_buttons)
        self.name.returnPressed.connect(self.save_current)
        self.save_button.clicked.connect(self.save_current)
        self.load_button.clicked.connect(self.load_selected)
        self.send_button.clicked.connect(self.send_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(self._choose_export)
        tabs.currentChanged.connect(self._update_buttons)
        # Key names as text, not Qt.Key members: naming one builds the Python enum of all
        # ~500 keys, 12 ms of the start-up.
        for keys, action in (
            (("Return", "Enter"), self.load_selected),
            (("Delete",), self.delete_selected),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self.list)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(action)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(_TIPS[name])
        return button

    def _build_layout(self) -> None:
        box = QGroupBox("Saved messages")
        outer = QVBoxLayout(self)
        # Level with the group boxes of the tabs, below the tab bar.
        outer.setContentsMargins(2, self._tabs.tabBar().sizeHint().height() + 4, 6, 0)
        outer.addWidget(box)
        column = QVBoxLayout(box)
        column.setSpacing(4)
        save_row = QHBoxLayout()
        save_row.addWidget(self.name, 1)
        save_row.addWidget(self.save_button)
        column.addLayout(save_row)
        column.addWidget(self.list, 1)
        buttons = QGridLayout()
        for i, button in enumerate((self.load_button, self.send_button, self.delete_button)):
            buttons.addWidget(button, 0, i)
        buttons.addWidget(self.import_button, 1, 0)
        buttons.addWidget(self.export_button, 1, 1)
        column.addLayout(buttons)
        column.addWidget(self.note)

    # -- what the panel acts on ------------------------------------------------------

    def _current_tab(self) -> tuple[ToolTab | None, str]:
        tab = self._tabs.currentWidget()
        title = self._tabs.tabText(self._tabs.currentIndex())
        return (tab if isinstance(tab, ToolTab) else None), title

    def selected_message(self) -> SavedMessage | None:
        items = self.list.selectedItems()
        return self.library.get(items[0].data(0, _NAME_ROLE)) if items else None

    def select(self, name: str) -> None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item is not None and item.data(0, _NAME_ROLE) == name:
                self.list.setCurrentItem(item)
                return

    # -- actions ---------------------------------------------------------------------

    @Slot()
    def save_current(self) -> None:
        name = self.name.text().strip()
        tab, title = self._current_tab()
        editor = tab.payload_editor() if tab is not None else None
        if not name or editor is None:
            return
        typed = editor.typed_payload()
        if typed is None:
            self.show_note(
                "A loaded file or large paste is not kept in the library: type the payload "
                "to save it",
                error=True,
            )
            return
        try:
            replaced = self.library.save(SavedMessage(name, title, typed))
        except LibraryFileError as exc:
            self._fill_list()
            self.show_note(f"“{name}” is kept until the app closes, but {exc}", error=True)
            return
        self._fill_list()
        self.select(name)
        self.show_note(f"{'Replaced' if replaced else 'Saved'} “{name}” from {title}")

    @Slot()
    def load_selected(self) -> bool:
        message = self.selected_message()
        tab, title = self._current_tab()
        editor = tab.payload_editor() if tab is not None else None
        if message is None or editor is None:
            return False
        editor.set_typed_payload(message.payload)
        self.show_note(f"Loaded “{message.name}” into {title}")
        return True

    @Slot()
    def send_selected(self) -> None:
        message = self.selected_message()
        tab, title = self._current_tab()
        if message is None or tab is None or not self.load_selected():
            return
        if tab.send_payload():
            self.show_note(f"Sent “{message.name}” from {title}")
        else:
            self.show_note(
                f"Loaded “{message.name}” into {title} but not sent: the tab cannot send "
                "now (see its Send button)",
                error=True,
            )

    @Slot()
    def delete_selected(self) -> None:
        message = self.selected_message()
        if message is None:
            return
        try:
            self.library.delete(message.name)
        except LibraryFileError as exc:
            self.show_note(f"Deleted “{message.name}” until the app closes, but {exc}", error=True)
        else:
            self.show_note(f"Deleted “{message.name}”")
        self._fill_list()

    def import_from(self, path: Path) -> None:
        try:
            result = self.library.import_file(path)
        except LibraryFileError as exc:
            self.show_note(f"Nothing imported: {exc}", error=True)
            return
        finally:
            self._fill_list()
        replaced = f" ({result.replaced} replaced)" if result.replaced else ""
        total = result.added + result.replaced
        self.show_note(f"Imported {total} message{'s' * (total != 1)} from {path.name}{replaced}")

    def export_to(self, path: Path) -> None:
        try:
            self.library.export_file(path)
        except LibraryFileError as exc:
            self.show_note(f"Not exported: {exc}", error=True)
            return
        count = len(self.library.messages())
        self.show_note(f"Exported {count} message{'s' * (count != 1)} to {path}")

    def show_note(self, text: str, *, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(ERROR_TEXT_STYLE if error else "")
        self.noted.emit(text)

    # -- internals -------------------------------------------------------------------

    @Slot()
    def _choose_import(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # loaded on first use: start-up counts

        path, _ = QFileDialog.getOpenFileName(
            self, "Import messages", "", "Message files (*.json);;All files (*)"
        )
        if path:
            self.import_from(Path(path))

    @Slot()
    def _choose_export(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "Export messages", "messages.json", "Message files (*.json)"
        )
        if path:
            self.export_to(Path(path))

    def _fill_list(self) -> None:
        selected = self.selected_message()
        self.list.setSortingEnabled(False)
        self.list.clear()
        for message in self.library.messages():
            preview = message.payload.text
            item = _MessageItem(
                [message.name, message.tab, _format_text(message), _shorten(preview, PREVIEW_CHARS)]
            )
            item.setData(0, _NAME_ROLE, message.name)
            for column in range(len(COLUMNS)):
                item.setToolTip(column, _shorten(preview, TOOLTIP_CHARS))
            self.list.addTopLevelItem(item)
        self.list.setSortingEnabled(True)
        for column, widest in MAX_COLUMN_WIDTHS.items():
            self.list.resizeColumnToContents(column)
            self.list.setColumnWidth(column, min(widest, self.list.columnWidth(column)))
        if selected is not None:
            self.select(selected.name)
        self._update_buttons()

    @Slot()
    def _on_selection(self) -> None:
        message = self.selected_message()
        if message is not None:
            self.name.setText(message.name)
        self._update_buttons()

    @Slot(QTreeWidgetItem, int)
    def _on_double_click(self, _item: QTreeWidgetItem, _column: int) -> None:
        self.load_selected()

    @Slot()
    def _update_buttons(self) -> None:
        tab, title = self._current_tab()
        has_editor = tab is not None and tab.payload_editor() is not None
        selected = self.selected_message() is not None
        self.save_button.setEnabled(has_editor and bool(self.name.text().strip()))
        self.load_button.setEnabled(has_editor and selected)
        self.send_button.setEnabled(has_editor and selected)
        self.delete_button.setEnabled(selected)
        self.export_button.setEnabled(bool(self.library.messages()))
        why = f"{title} has no payload editor to save from or load into"
        for button in (self.save_button, self.load_button, self.send_button):
            button.setToolTip(_TIPS[button.objectName()] if has_editor else why)
