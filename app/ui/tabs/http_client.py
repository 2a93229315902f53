"""The HTTP Client tab: send a request and read the response with its timing, or open a
WebSocket (ws:// and wss:// URLs) and exchange frames over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.net.events import Kind, LogEvent
from app.net.http.client.result import ExchangeResult, RequestSpec
from app.net.websocket.status import WebSocketState, WebSocketStatus
from app.payload import MessageCounter, MessageTemplate, PayloadFormat
from app.ui.tabs.tool_tab import ToolTab
from app.ui.widgets.http_request_fields import (
    HeadersField,
    MethodField,
    TargetUrl,
    UrlField,
)
from app.ui.widgets.http_response_view import ResponseView
from app.ui.widgets.http_timing import TimingView
from app.ui.widgets.payload_editor import PayloadEditor
from app.ui.widgets.response_body import failure_text, outcome_text
from app.ui.widgets.round_trip_stats import RoundTripStats
from app.ui.widgets.status_footer import StatusFooter
from app.ui.widgets.status_label import Tone
from app.ui.widgets.websocket_controls import WebSocketControls

if TYPE_CHECKING:
    from app.net.http.client.status import HttpClientStatus
    from app.workers.http_client_worker import HttpClientWorker
    from app.workers.websocket_worker import WebSocketWorker

DEFAULT_TIMEOUT_S = 30.0
_UNVERIFIED = "certificate not verified"


def _make_http_worker(tab: ToolTab) -> HttpClientWorker:
    from app.workers.http_client_worker import HttpClientWorker  # on first use: start-up counts

    return HttpClientWorker(tab)


def _make_websocket_worker(tab: ToolTab) -> WebSocketWorker:
    from app.workers.websocket_worker import WebSocketWorker  # on first use: start-up counts

    return WebSocketWorker(tab)


class HttpClientTab(ToolTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._http = self.worker_slot(_make_http_worker, self._wire_http)
        self._websocket = self.worker_slot(_make_websocket_worker, self._wire_websocket)
        self._busy = False  # an HTTP exchange is running
        self._ws_state = WebSocketState.CLOSED
        self._ws_url = ""
        self._ws_error = ""  # the last error row of this WebSocket, for the status line
        self._verifying = True  # the TLS setting the running exchange or WebSocket uses
        self._counter = MessageCounter()  # the tab's {{counter}}: requests and frames count

        self.method = MethodField()
        self.url = UrlField()
        self.headers = HeadersField()
        self.editor = PayloadEditor("hcBody", "")
        # The editor names its field <prefix>Payload; the tab's contract calls it hcBody.
        self.editor.field.setObjectName("hcBody")
        self.editor.field.setMinimumWidth(140)
        self.editor.field.setPlaceholderText("Request body")
        self.editor.field.setToolTip(
            "The request body, or the message a WebSocket sends (Text: a text frame, Hex: a "
            "binary frame). Text with escapes \\r \\n \\t \\xNN, or hex bytes; macros "
            "such as {{counter}} are filled in for each send."
        )
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("hcSend")
        self.send_button.setToolTip("Send the request (Enter or Ctrl+Enter in the URL)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("hcCancel")
        self.cancel_button.setEnabled(False)
        self.follow = QCheckBox("Follow redirects")
        self.follow.setObjectName("hcFollow")
        self.follow.setToolTip("Follow up to 10 redirects, each hop logged")
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("hcTimeout")
        self.timeout.setRange(0.1, 600.0)
        self.timeout.setDecimals(1)
        self.timeout.setValue(DEFAULT_TIMEOUT_S)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long each phase may take: connect, TLS, each wait for data")
        self.tls_verify = QCheckBox("Verify TLS")
        self.tls_verify.setObjectName("hcTlsVerify")
        self.tls_verify.setChecked(True)
        self.tls_verify.setToolTip(
            "For https:// and wss://: check the server's certificate and name against the "
            "system's trusted authorities. Off: any certificate is accepted."
        )
        self.ws = WebSocketControls()
        self.response = ResponseView()
        self.timing = TimingView()
        self.stats = RoundTripStats(
            "hc", "No round trips yet: each response is timed from its request's first byte"
        )
        self.footer = StatusFooter("hc", "Ready")
        self.status = self.footer.status

        self._build_layout()
        self.send_button.clicked.connect(self._send)
        self.cancel_button.clicked.connect(self._cancel)
        self.url.returnPressed.connect(self._send)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._send)
        self.editor.submitted.connect(self._send)
        self.editor.validity_changed.connect(self._update_controls)
        self.url.textChanged.connect(self._update_controls)
        self.headers.validity_changed.connect(self._update_controls)
        self.method.validity_changed.connect(self._update_controls)
        self.ws.ping_requested.connect(self._ping)
        self.ws.close_requested.connect(self._close_websocket)
        self._update_controls()

    def _build_layout(self) -> None:
        top = QGridLayout()
        top.addWidget(QLabel("Method"), 0, 0)
        top.addWidget(self.method, 0, 1)
        top.addWidget(QLabel("URL"), 0, 2)
        top.addWidget(self.url, 0, 3)
        top.addWidget(QLabel("Timeout"), 0, 4)
        top.addWidget(self.timeout, 0, 5)
        top.addWidget(self.send_button, 0, 6)
        top.addWidget(self.cancel_button, 0, 7)
        top.addWidget(self.method.error_label, 1, 1)
        top.addWidget(self.url.error_label, 1, 3, 1, -1)
        top.setColumnStretch(3, 1)

        request = QGroupBox("Request")
        grid = QGridLayout(request)
        grid.addWidget(QLabel("Headers"), 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.headers, 0, 1)
        grid.addWidget(self.headers.error_label, 1, 1)
        grid.addWidget(QLabel("Body"), 2, 0)
        grid.addWidget(self.editor, 2, 1)
        options = QHBoxLayout()
        options.addWidget(self.follow)
        options.addWidget(self.tls_verify)
        options.addStretch(1)
        grid.addLayout(options, 3, 1)
        grid.addWidget(self.ws, 4, 0, 1, 2)
        grid.setRowStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.headers.setMinimumHeight(self.headers.fontMetrics().lineSpacing() * 3 + 12)

        response = QGroupBox("Response")
        column = QVBoxLayout(response)
        column.addWidget(self.response, 1)
        column.addWidget(self.timing)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("hcSplitter")
        split.setChildrenCollapsible(False)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(request, 1)
        round_trips = QGroupBox("Round trips")
        QVBoxLayout(round_trips).addWidget(self.stats)
        left_column.addWidget(round_trips)
        split.addWidget(left)
        split.addWidget(response)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.footer)

    @property
    def http_worker(self) -> HttpClientWorker:
        return self._http.get()

    @property
    def websocket_worker(self) -> WebSocketWorker:
        return self._websocket.get()

    def _wire_http(self, worker: HttpClientWorker) -> None:
        worker.status_changed.connect(self._on_http_status)
        worker.exchange_finished.connect(self._on_exchange_finished)
        self.stats.attach(worker)

    def _wire_websocket(self, worker: WebSocketWorker) -> None:
        worker.status_changed.connect(self._on_websocket_status)
        worker.events.connect(self._on_websocket_events)

    # -- ToolTab -----------------------------------------------------------------------

    def input_widgets(self) -> list[QWidget]:
        return [
            self.method,
            self.url,
            self.headers,
            *self.editor.input_widgets(),
            self.follow,
            self.timeout,
            self.tls_verify,
            *self.ws.input_widgets(),
        ]

    def payload_editor(self) -> PayloadEditor:
        return self.editor

    def send_payload(self) -> bool:
        target = self.url.target()
        headers = self.headers.headers()
        message = self.editor.message()
        if target is None or headers is None or message is None:
            return False
        if target.is_websocket:
            return self._send_frame(target, headers, message)
        method = self.method.method()
        if self._busy or method is None:
            return False
        spec = RequestSpec(
            method,
            target.url,
            headers,
            message.render(self._counter),
            self.follow.isChecked(),
            self.timeout.value(),
            self.tls_verify.isChecked(),
        )
        self._busy = True
        self._verifying = spec.verify_tls
        self.timing.clear()
        self.status.show_state(f"{method} {target.url} …", Tone.BUSY)
        self.http_worker.send_request(spec)
        self.editor.mark_sent()
        self._update_controls()
        return True

    # -- actions -----------------------------------------------------------------------

    @Slot()
    def _send(self) -> None:
        self.send_payload()

    @Slot()
    def _cancel(self) -> None:
        if self._busy:
            self.http_worker.cancel()
        elif self._ws_state is WebSocketState.CONNECTING:
            self.websocket_worker.close()

    def _send_frame(
        self, target: TargetUrl, headers: tuple[tuple[str, str], ...], message: MessageTemplate
    ) -> bool:
        if self._ws_state is WebSocketState.CLOSING:
            return False
        data = message.render(self._counter)
        as_text = self.editor.format_combo.currentData() is PayloadFormat.TEXT
        try:
            text = data.decode("utf-8") if as_text else ""
        except UnicodeDecodeError:
            self.status.show_state(
                "A text frame must be UTF-8: choose Hex to send these bytes as a binary frame",
                Tone.BAD,
            )
            return False
        worker = self.websocket_worker
        if self._ws_state is WebSocketState.CLOSED:
            self._ws_state = WebSocketState.CONNECTING
            self._ws_url = target.url
            self._ws_error = ""
            self._verifying = self.tls_verify.isChecked()
            self.ws.clear_messages()
            self.response.show_message("", "WebSocket messages appear here")
            self.status.show_state(f"WebSocket connecting to {target.url} …", Tone.BUSY)
            worker.open(target.url, headers, self.timeout.value(), self.tls_verify.isChecked())
            self._update_controls()
            if not data:
                return True  # Send with an empty body only opens the WebSocket
        if as_text:
            worker.send_text(text)
        else:
            worker.send_binary(data)
        self.editor.mark_sent()
        return True

    @Slot()
    def _ping(self) -> None:
        if self._ws_state is WebSocketState.OPEN:
            self.websocket_worker.ping()

    @Slot(int, str)
    def _close_websocket(self, code: int, reason: str) -> None:
        if self._ws_state is not WebSocketState.CLOSED:
            self.websocket_worker.close(code, reason)

    # -- fields ------------------------------------------------------------------------

    @Slot()
    def _update_controls(self) -> None:
        target = self.url.target()
        websocket = target is not None and target.is_websocket
        closed = self._ws_state is WebSocketState.CLOSED
        ready = (
            target is not None
            and self.headers.headers() is not None
            and self.editor.is_valid()
            and (websocket or self.method.method() is not None)
        )
        if websocket:
            self.send_button.setEnabled(ready and self._ws_state is not WebSocketState.CLOSING)
        else:
            self.send_button.setEnabled(ready and not self._busy and closed)
        self.cancel_button.setEnabled(self._busy or self._ws_state is WebSocketState.CONNECTING)
        self.editor.field.setPlaceholderText("Message" if websocket else "Request body")
        self.method.setEnabled(not websocket)
        self.follow.setEnabled(not websocket)
        # The WebSocket was opened with these: they change once it is closed.
        for widget in (self.url, self.headers, self.timeout, self.tls_verify):
            widget.setEnabled(closed)
        self.ws.set_state(self._ws_state)
        self.ws.setVisible(websocket or not closed)
        self.timing.setVisible(not websocket)  # the phases of HTTP exchanges

    # -- worker reports --------------------------------------------------------------

    @Slot(object)
    def _on_http_status(self, status: HttpClientStatus) -> None:
        if self._busy and status.busy and status.activity:
            self.status.show_state(status.activity, Tone.BUSY)

    @Slot(object)
    def _on_exchange_finished(self, result: ExchangeResult) -> None:
        self._busy = False
        self.timing.show_timing(result.timing)
        if result.ok:
            self.response.show_result(result)
            tone = Tone.GOOD if (result.status or 0) < 400 else Tone.BAD
        elif result.cancelled:
            self.response.show_message("", "Cancelled: no response")
            tone = Tone.IDLE
        else:
            self.response.show_message(f"No response.\n{failure_text(result)}.", "")
            tone = Tone.BAD
        text = outcome_text(result)
        if result.ok and result.url.lower().startswith("https:") and not self._verifying:
            text += f" · {_UNVERIFIED}"
        self.status.show_state(text, tone)
        self._update_controls()

    @Slot(object)
    def _on_websocket_events(self, events: list[LogEvent]) -> None:
        errors = [e.message for e in events if e.kind is Kind.ERROR]
        if errors:
            self._ws_error = errors[-1]
        if self.ws.take_events(events):
            self.response.show_message(
                self.ws.transcript(), self.ws.transcript_note(), scroll_to_end=True
            )

    @Slot(object)
    def _on_websocket_status(self, status: WebSocketStatus) -> None:
        self._ws_state = status.state
        url = status.url or self._ws_url
        if status.state is WebSocketState.OPEN:
            protocol = f" ({status.subprotocol})" if status.subprotocol else ""
            unverified = url.lower().startswith("wss:") and not self._verifying
            note = f" · {_UNVERIFIED}" if unverified else ""
            self.status.show_state(f"WebSocket open to {url}{protocol}{note}", Tone.GOOD)
        elif status.state is WebSocketState.CLOSED and self._ws_error:
            self.status.show_state(f"WebSocket closed: {self._ws_error}", Tone.BAD)
        elif status.state is WebSocketState.CLOSED:
            self.status.show_state(f"WebSocket closed ({url})", Tone.IDLE)
        else:
            self.status.show_state(f"WebSocket {status.state.value.lower()} {url}", Tone.BUSY)
        self._update_controls()
