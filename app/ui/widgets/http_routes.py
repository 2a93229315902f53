"""The HTTP Server tab's routes editor: `httpRoutes`, compiled to what the server matches.

The table keeps text; `compiled()` turns it into a `RouteTable` (only when the tab is in
Routes mode: the regex package loads with the first route, not with the window) and marks
each cell it cannot use in red with the reason, which the line under the table repeats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.net.http.config import DEFAULT_ROUTE, ROUTE_METHODS, RouteFault
from app.ui.widgets.field_feedback import error_label
from app.ui.widgets.rows_table import RowColumn, RowsCodec, RowsTable

if TYPE_CHECKING:
    from app.net.http.routes import CellError, RouteTable

FAULTS = tuple(fault.value for fault in RouteFault)
_TITLES = ("Method", "Path", "Status", "Content-Type", "Body", "Delay (ms)", "Fault")
_CHOICES = {0: ROUTE_METHODS, 6: FAULTS}
_WIDTHS = (90, 0, 60, 150, 0, 80, 170)  # 0: Path and Body share what is left
_TIPS = (
    "ANY answers every method; a GET route also answers HEAD (the same head, no body)",
    "/api/* (each * matches anything, / included, and is $1, $2… in the body), or re: and "
    "a regular expression for the whole path; the query string is not part of it",
    "From 100 to 599; 1xx, 204 and 304 carry no body",
    "Empty: no Content-Type header",
    "$1…$9: the path's groups, $0: the whole path, $$: a dollar sign",
    "Milliseconds before the answer (or the fault); other clients are not held",
    "Empty response: closed without a byte. Reset connection: RST. Random data then "
    "close: 256 random bytes, then FIN. Dribble: the body 8 bytes every 50 ms",
)
COLUMNS = tuple(
    RowColumn(title, default, _CHOICES.get(at, ()), width, tip)
    for at, (title, default, width, tip) in enumerate(
        zip(_TITLES, DEFAULT_ROUTE, _WIDTHS, _TIPS, strict=True)
    )
)
HINT = (
    "The first matching route answers. Path: a glob such as /api/* (each * is $1, $2… in "
    "the body) or re: and a regular expression for the whole path ($1… are its groups)."
)


def _dump(rows: list[list[str]]) -> object:
    from app.net.http.routes_file import dump_routes

    return dump_routes(rows)


def _load(document: object) -> list[list[str]]:
    from app.net.http.routes_file import load_routes

    return load_routes(document)


class HttpRoutesEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = RowsTable(
            "httpRoutes", "httpRoute", "httpRoute", COLUMNS, RowsCodec(_dump, _load)
        )
        self.table.view.setToolTip(
            "Double-click a cell to edit it; a red cell says in its tooltip why its route is off"
        )
        self.table.view.setMinimumHeight(130)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        self.problems = error_label("httpRoutesProblems")
        self._compiled: RouteTable | None = None
        self._marked: set[tuple[int, int]] = set()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(hint)
        column.addWidget(self.table, 1)
        column.addWidget(self.problems)
        self.table.rows_changed.connect(self._rows_changed)

    @Slot()
    def _rows_changed(self) -> None:
        self._compiled = None
        self.changed.emit()

    def compiled(self) -> RouteTable:
        """The routes the rows describe; marks the cells that cannot be used."""
        if self._compiled is not None:
            return self._compiled
        from app.net.http.routes import compile_routes  # with the first route: start-up

        compiled = compile_routes(self.table.model.rows())
        model = self.table.model
        marked: dict[tuple[int, int], str] = {}
        for error in compiled.errors:
            key = (error.row, int(error.field))
            marked[key] = f"{marked[key]}; {error.message}" if key in marked else error.message
        for row, column in self._marked - set(marked):
            if row < model.rowCount():
                model.set_cell_error(row, column, "")
        for (row, column), message in marked.items():
            model.set_cell_error(row, column, message)
        self._marked = set(marked)
        self._show_problems(compiled.errors)
        self._compiled = compiled.table
        return compiled.table

    def _show_problems(self, errors: tuple[CellError, ...]) -> None:
        if not errors:
            self.problems.hide()
            return
        rows = sorted({error.row for error in errors})
        first = errors[0]
        where = f"{COLUMNS[first.field].title}: {first.message}"
        if len(rows) == 1:
            text = f"Route {first.row + 1} is off. {where}"
        else:
            off = ", ".join(str(row + 1) for row in rows)
            text = f"Routes {off} are off. Route {first.row + 1}, {where}"
        if len(errors) > 1:
            text += " (each red cell's tooltip says what is wrong with it)"
        self.problems.setText(text)
        self.problems.show()
