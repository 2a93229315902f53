"""The HTTP Server tab: start/stop a local web server and shape what it answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.net.http.config import (
    HttpConfigError,
    ResponseConfig,
    ServeMode,
    check_content_type,
    check_folder,
    parse_header_lines,
)
from app.net.http.responses import reason_phrase
from app.net.http.status import HttpServerStatus, ServerState, websocket_url
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.bind_field import BindField
from app.ui.widgets.field_feedback import error_label, mark_invalid
from app.ui.widgets.http_routes import HttpRoutesEditor
from app.ui.widgets.server_switch import ServerSwitch
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import Tone
from app.ui.widgets.tls_fields import ServerTlsFields, fingerprint_note, fingerprint_tooltip

if TYPE_CHECKING:
    from app.workers.http_server_worker import HttpServerWorker


_FALLBACK_EDIT_HEIGHT = 56
_NO_LIMIT = 16777215  # QWIDGETSIZE_MAX


def _exposure(host: str, port: int) -> str:
    return (
        f"listening on {host} lets anyone who can reach this machine on port {port} "
        "use this server."
    )


_NO_ROUTE = "When no route matches:"
_NOT_AN_UPGRADE = (
    "WebSocket upgrades on any path are accepted and every message is echoed back with "
    "its type; pings are answered and each frame is a row. Other requests get:"
)


def _make_worker(tab: ToolTab) -> HttpServerWorker:
    from app.workers.http_server_worker import HttpServerWorker  # on first use: start-up counts

    return HttpServerWorker(tab)


class HttpServerTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = self.worker_slot(_make_worker, self._wire)
        self._url = ""
        self._status: HttpServerStatus | None = None

        self.bind = BindField("http", _exposure)
        self.target = self.bind.row
        self.port = self.bind.port
        self.footer = StatusFooter("http", "Stopped")
        self.status = self.footer.status
        self.tls = ServerTlsFields("http", "HTTPS")
        self.start_button = ServerSwitch("http", self.status, (self.bind, self.port, self.tls))
        self.warning = self.bind.warning
        self.url = QLabel("—")
        self.url.setObjectName("httpUrl")
        self.url.setToolTip("The address of the running server; click to open it")
        self.url.linkActivated.connect(self._open_link)
        self.open_button = QPushButton("Open in browser")
        self.open_button.setObjectName("httpOpen")
        self.open_button.setEnabled(False)

        self.mode = QComboBox()
        self.mode.setObjectName("httpMode")
        self.mode.addItems([m.value for m in ServeMode])
        self.status_code = QSpinBox()
        self.status_code.setObjectName("httpStatusCode")
        self.status_code.setRange(100, 599)
        self.status_code.setValue(200)
        self.status_code.setToolTip("1xx, 204 and 304 answers carry no body")
        self.reason = QLabel(reason_phrase(200))
        self.content_type = QLineEdit("text/html; charset=utf-8")
        self.content_type.setObjectName("httpContentType")
        self.headers = QPlainTextEdit()
        self.headers.setObjectName("httpHeaders")
        self.headers.setPlaceholderText("Extra headers, one per line:\nX-Example: value")
        self.headers.setTabChangesFocus(True)
        self.body = QPlainTextEdit("Hello, client!")
        self.body.setObjectName("httpBody")
        self.body.setTabChangesFocus(True)
        self.fixed_error = error_label("httpHeadersError")
        self.folder = QLineEdit()
        self.folder.setObjectName("httpFolder")
        self.folder.setPlaceholderText("Folder whose files are served")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setObjectName("httpBrowse")
        self.folder_error = error_label("httpFolderError")
        self.pages = QStackedWidget()
        self.routes = HttpRoutesEditor()
        self.routes.hide()
        self.fallthrough = QLabel(_NO_ROUTE)
        self.fallthrough.setObjectName("httpFallthrough")
        self.fallthrough.setWordWrap(True)
        self.fallthrough.hide()
        self.cors = QCheckBox("CORS: allow any origin")
        self.cors.setObjectName("httpCors")
        self.cors.setToolTip(
            "Answer preflight OPTIONS requests with 204 and the Access-Control-Allow-* "
            "headers, and add Access-Control-Allow-Origin to every answer (all modes)"
        )

        self._build_layout()
        self.start_button.start_requested.connect(self._start)
        self.start_button.stop_requested.connect(self._stop)
        self.open_button.clicked.connect(self._open_url)
        self.browse_button.clicked.connect(self._browse)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.status_code.valueChanged.connect(self._apply_config)
        self.content_type.textChanged.connect(self._apply_config)
        self.headers.textChanged.connect(self._apply_config)
        self.body.textChanged.connect(self._apply_config)
        self.folder.textChanged.connect(self._apply_config)
        self.routes.changed.connect(self._apply_config)
        self.cors.toggled.connect(self._apply_config)

    def _build_layout(self) -> None:
        self.target.add(self.start_button)
        server = QGroupBox("Server")
        server_column = QVBoxLayout(server)
        server_column.addWidget(self.target)
        server_column.addWidget(self.tls)
        url_row = QHBoxLayout()
        url_row.addWidget(QLabel("URL"))
        url_row.addWidget(self.url)
        url_row.addWidget(self.open_button)
        url_row.addStretch(1)
        server_column.addLayout(url_row)
        server_column.addWidget(self.warning)

        fixed = QWidget()
        fixed_grid = QGridLayout(fixed)
        fixed_grid.setContentsMargins(0, 0, 0, 0)
        fixed_grid.addWidget(self.fallthrough, 0, 0, 1, 4)
        fixed_grid.addWidget(QLabel("Status"), 1, 0)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_code)
        status_row.addWidget(self.reason, 1)
        fixed_grid.addLayout(status_row, 1, 1)
        fixed_grid.addWidget(QLabel("Content-Type"), 1, 2)
        fixed_grid.addWidget(self.content_type, 1, 3)
        fixed_grid.addWidget(QLabel("Headers"), 2, 0)
        fixed_grid.addWidget(self.headers, 2, 1)
        fixed_grid.addWidget(QLabel("Body"), 2, 2)
        fixed_grid.addWidget(self.body, 2, 3)
        fixed_grid.addWidget(self.fixed_error, 3, 1, 1, 3)
        fixed_grid.setColumnStretch(1, 2)
        fixed_grid.setColumnStretch(3, 3)

        echo = QLabel(
            "Every request is answered with a JSON document describing it: method, path, "
            "query, HTTP version, headers, client address and body (text, or base64 when "
            "it is not UTF-8)."
        )
        echo.setWordWrap(True)

        folder = QWidget()
        folder_grid = QGridLayout(folder)
        folder_grid.setContentsMargins(0, 0, 0, 0)
        folder_grid.addWidget(QLabel("Folder"), 0, 0)
        folder_grid.addWidget(self.folder, 0, 1)
        folder_grid.addWidget(self.browse_button, 0, 2)
        folder_grid.addWidget(self.folder_error, 1, 1, 1, 2)
        hint = QLabel(
            "GET and HEAD serve files (index.html for a folder, else a listing); "
            "nothing outside the folder is served."
        )
        hint.setWordWrap(True)
        folder_grid.addWidget(hint, 2, 1, 1, 2)
        folder_grid.setRowStretch(3, 1)

        for page in (fixed, echo, folder):
            self.pages.addWidget(page)

        response = QGroupBox("Response")
        column = QVBoxLayout(response)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Mode"))
        mode_row.addWidget(self.mode)
        mode_row.addStretch(1)
        mode_row.addWidget(self.cors)
        column.addLayout(mode_row)
        column.addWidget(self.routes, 3)
        column.addWidget(self.pages, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(server)
        layout.addWidget(response, 1)
        layout.addWidget(self.footer)

    @property
    def worker(self) -> HttpServerWorker:
        return self._worker.get()

    def _wire(self, worker: HttpServerWorker) -> None:
        worker.status_changed.connect(self._on_status)

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.bind,
            self.port,
            *self.tls.input_widgets(),
            self.mode,
            self.status_code,
            self.content_type,
            self.headers,
            self.body,
            self.folder,
            self.routes.table.view,
            self.cors,
        ]

    # -- configuration -----------------------------------------------------------------

    def build_config(self) -> ResponseConfig | None:
        """The answer the fields describe, or None after showing why it cannot be used."""
        mode = ServeMode(self.mode.currentText())
        cors = self.cors.isChecked()
        # Compiled first, so a bad route cell is marked even while another field is bad.
        routes = self.routes.compiled() if mode is ServeMode.ROUTES else None
        self._show_field_error(self.fixed_error, None)
        self._show_field_error(self.folder_error, None)
        try:
            if mode is ServeMode.FOLDER:
                try:
                    folder = check_folder(self.folder.text())
                except HttpConfigError as exc:
                    self._show_field_error(self.folder_error, str(exc), self.folder)
                    return None
                return ResponseConfig(mode=mode, folder=folder, cors=cors)
            if mode is ServeMode.ECHO:
                return ResponseConfig(mode=mode, cors=cors)
            content_type = check_content_type(self.content_type.text())
            try:
                headers = parse_header_lines(self.headers.toPlainText())
            except HttpConfigError as exc:
                self._show_field_error(self.fixed_error, str(exc), self.headers)
                return None
        except HttpConfigError as exc:
            self._show_field_error(self.fixed_error, str(exc), self.content_type)
            return None
        return ResponseConfig(
            mode=mode,
            status=self.status_code.value(),
            content_type=content_type,
            headers=headers,
            body=self.body.toPlainText().encode("utf-8"),
            routes=routes,
            cors=cors,
        )

    def _show_field_error(
        self, label: QLabel, message: str | None, field: QWidget | None = None
    ) -> None:
        fields = (self.content_type, self.headers) if label is self.fixed_error else (self.folder,)
        for widget in fields:
            mark_invalid(widget, False)
        label.setVisible(message is not None)
        label.setText(message or "")
        if field is not None and message is not None:
            mark_invalid(field, True)

    @Slot()
    def _apply_config(self) -> None:
        self.reason.setText(reason_phrase(self.status_code.value()))
        # Without a worker nothing is served yet: Start hands it the configuration.
        worker = self._worker.existing()
        config = self.build_config()
        if config is not None and worker is not None:
            worker.set_config(config)

    @Slot(int)
    def _mode_changed(self, index: int) -> None:
        mode = ServeMode(self.mode.itemText(index))
        routes = mode is ServeMode.ROUTES
        websocket = mode is ServeMode.WS_ECHO
        # Routes and WebSocket echo fall through to the fixed response: its page shows.
        self.pages.setCurrentIndex(0 if routes or websocket else index)
        self.routes.setVisible(routes)
        self.fallthrough.setText(_NOT_AN_UPGRADE if websocket else _NO_ROUTE)
        self.fallthrough.setVisible(routes or websocket)
        if self._status is not None and self._status.state is ServerState.RUNNING:
            text, link = self._running_text(self._status)  # the scheme follows the mode
            self.status.show_state(text, Tone.GOOD)
            self.url.setText(link)
        # The fallback is short in Routes mode: the room goes to the table.
        for edit in (self.headers, self.body):
            edit.setMaximumHeight(_FALLBACK_EDIT_HEIGHT if routes else _NO_LIMIT)
        self._apply_config()

    @Slot()
    def _browse(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # loaded on first use: start-up counts

        folder = QFileDialog.getExistingDirectory(self, "Folder to serve", self.folder.text())
        if folder:
            self.folder.setText(folder)

    # -- start and stop ----------------------------------------------------------------

    @Slot()
    def _start(self) -> None:
        host = self.bind.take_bind()
        if host is None:
            return
        config = self.build_config()
        if config is None:
            return
        self.start_button.begin_start()
        self.worker.start_server(host, self.port.value(), config, self.tls.options())

    @Slot()
    def _stop(self) -> None:
        self.worker.stop_server()

    @Slot(object)
    def _on_status(self, status: HttpServerStatus) -> None:
        self._status = status
        running = status.state is ServerState.RUNNING
        self._url = status.url if running else ""
        self.open_button.setEnabled(running)
        if running:
            text, link = self._running_text(status)
            self.start_button.show_running(text)
            self.status.setToolTip(fingerprint_tooltip(status.tls_fingerprint))
            self.url.setText(link)
        else:
            self.url.setText("—")
            if status.error:  # the server's own sentence, with no "Stopped ·" before it
                self.start_button.show_failed(status.error)
            else:
                self.start_button.show_stopped()

    def _running_text(self, status: HttpServerStatus) -> tuple[str, str]:
        """The status line and the URL label (rich text) for a running server."""
        shown = status.url
        link = f'<a href="{status.url}">{status.url}</a>'
        if ServeMode(self.mode.currentText()) is ServeMode.WS_ECHO:
            # A browser does not open ws://: the link is the fixed response's http://.
            shown = websocket_url(status.url)
            link = f'{shown} (<a href="{status.url}">{status.url}</a>)'
        return f"Running on {shown}{fingerprint_note(status.tls_fingerprint)}", link

    @Slot()
    def _open_url(self) -> None:
        if self._url:
            QDesktopServices.openUrl(QUrl(self._url))

    @Slot(str)
    def _open_link(self, link: str) -> None:
        QDesktopServices.openUrl(QUrl(link))

    @property
    def running(self) -> bool:
        return self.start_button.running
