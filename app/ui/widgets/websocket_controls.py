"""The HTTP Client's WebSocket row: Ping, Close with a code and a reason, and the
transcript of the frames sent and received that the response view shows."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from app.net.events import Kind, LogEvent
from app.net.websocket.status import WebSocketState
from app.payload import PayloadFormat, preview

# The transcript keeps the newest lines only; the log keeps every frame.
TRANSCRIPT_LINES = 200
PREVIEW_CHARS = 160
# RFC 6455 7.4: 1000 normal closure; 3000-4999 are for libraries and applications.
# 1005, 1006 and 1015 must never be sent in a close frame.
_RESERVED_CODES = (1004, 1005, 1006, 1015)
# The rows of frames begin with their kind (app/net/websocket/session.py); the others
# (the upgrade's request and response) show their line only: their heads are in the log.
_FRAME_ROWS = ("text", "binary", "ping", "pong", "close")
_MAX_REASON_BYTES = 123  # a control frame's payload is at most 125 bytes, 2 for the code


class WebSocketControls(QWidget):
    ping_requested = Signal()
    close_requested = Signal(int, str)  # code, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: deque[str] = deque(maxlen=TRANSCRIPT_LINES)
        self._seen = 0
        self.ping_button = QPushButton("Ping")
        self.ping_button.setObjectName("hcWsPing")
        self.ping_button.setToolTip("Send a ping; the pong's round-trip time is logged")
        self.close_code = QSpinBox()
        self.close_code.setObjectName("hcWsCloseCode")
        self.close_code.setRange(1000, 4999)
        self.close_code.setValue(1000)
        self.close_code.setToolTip(
            "The close code sent: 1000 normal, 1001 going away, 3000-4999 your own"
        )
        self.close_reason = QLineEdit()
        self.close_reason.setObjectName("hcWsCloseReason")
        self.close_reason.setPlaceholderText("reason (optional)")
        self.close_reason.setToolTip(f"At most {_MAX_REASON_BYTES} bytes of UTF-8")
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("hcWsClose")
        self.close_button.setToolTip("Close the WebSocket with this code and reason")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.ping_button)
        row.addSpacing(8)
        row.addWidget(QLabel("Close code"))
        row.addWidget(self.close_code)
        row.addWidget(self.close_reason, 1)
        row.addWidget(self.close_button)
        self.close_reason.setMinimumWidth(100)

        self.ping_button.clicked.connect(self.ping_requested)
        self.close_button.clicked.connect(self._close)
        self.close_code.valueChanged.connect(self._check_code)
        self.close_reason.textChanged.connect(self._trim_reason)
        self.set_state(WebSocketState.CLOSED)

    def input_widgets(self) -> list[QWidget]:
        return [self.close_code, self.close_reason]

    def set_state(self, state: WebSocketState) -> None:
        is_open = state is WebSocketState.OPEN
        self.ping_button.setEnabled(is_open)
        self.close_button.setEnabled(is_open and self._code_is_sendable())

    # -- the transcript ----------------------------------------------------------------

    def clear_messages(self) -> None:
        self._lines.clear()
        self._seen = 0

    def take_events(self, events: list[LogEvent]) -> bool:
        """Add the frames among `events`; True when the transcript changed."""
        before = self._seen
        for event in events:
            if event.kind is Kind.SENT:
                arrow = "→"
            elif event.kind is Kind.RECEIVED:
                arrow = "←"
            else:
                continue
            shown = ""
            if event.data and event.message.startswith(_FRAME_ROWS):
                shown = preview(event.data, PayloadFormat.TEXT, PREVIEW_CHARS)
            self._lines.append(f"{arrow} {event.message}" + (f"\n    {shown}" if shown else ""))
            self._seen += 1
        return self._seen != before

    def transcript(self) -> str:
        return "\n".join(self._lines)

    def transcript_note(self) -> str:
        if self._seen > len(self._lines):
            return f"the last {len(self._lines)} of {self._seen:,} frames; the log has them all"
        return f"{self._seen:,} frames" if self._seen != 1 else "1 frame"

    # -- internals -------------------------------------------------------------------

    def _code_is_sendable(self) -> bool:
        return self.close_code.value() not in _RESERVED_CODES

    @Slot()
    def _check_code(self) -> None:
        sendable = self._code_is_sendable()
        self.close_code.setToolTip(
            "The close code sent: 1000 normal, 1001 going away, 3000-4999 your own"
            if sendable
            else f"{self.close_code.value()} is reserved and never sent in a close frame"
        )
        self.close_button.setEnabled(self.ping_button.isEnabled() and sendable)

    @Slot()
    def _trim_reason(self) -> None:
        text = self.close_reason.text()
        data = text.encode("utf-8")
        if len(data) > _MAX_REASON_BYTES:
            self.close_reason.setText(data[:_MAX_REASON_BYTES].decode("utf-8", errors="ignore"))

    @Slot()
    def _close(self) -> None:
        self.close_requested.emit(self.close_code.value(), self.close_reason.text())
