"""WebSocketWorker: commands from the GUI thread, batched rows, status, stop in time,
against the HTTP Server worker's echo mode and a websockets server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent
from app.net.http.config import ResponseConfig, ServeMode
from app.net.http.status import HttpServerStatus, ServerState
from app.net.websocket.status import WebSocketState, WebSocketStatus
from app.workers.http_server_worker import HttpServerWorker
from app.workers.websocket_worker import WebSocketWorker
from tests.net.websocket.ws_peers import WebsocketsServer


def test_open_send_ping_close_through_the_http_servers_echo_mode(qtbot: QtBot) -> None:
    server = HttpServerWorker()
    server_states: list[HttpServerStatus] = []
    server.status_changed.connect(server_states.append)
    worker = WebSocketWorker()
    events: list[LogEvent] = []
    states: list[WebSocketStatus] = []
    worker.events.connect(events.extend)
    worker.status_changed.connect(states.append)
    server.start()
    worker.start()
    try:
        server.start_server("127.0.0.1", 0, ResponseConfig(mode=ServeMode.WS_ECHO))
        qtbot.waitUntil(lambda: bool(server_states))
        assert server_states[-1].state is ServerState.RUNNING
        url = f"ws://127.0.0.1:{server_states[-1].port}/echo"
        worker.open(url, (("Origin", "http://127.0.0.1"),), 5.0, True)
        worker.send_text("queued while connecting")
        qtbot.waitUntil(lambda: bool(states) and states[-1].state is WebSocketState.OPEN)
        assert states[-1] == WebSocketStatus(WebSocketState.OPEN, url, "")
        qtbot.waitUntil(
            lambda: any(e.message == "text · 23 B" for e in events if e.kind is Kind.RECEIVED)
        )
        worker.send_binary(b"\x01\x02\x03")
        worker.ping()
        qtbot.waitUntil(lambda: any(e.message.startswith("pong · RTT") for e in events))
        qtbot.waitUntil(
            lambda: any(e.message == "binary · 3 B" for e in events if e.kind is Kind.RECEIVED)
        )
        worker.close(1000, "bye")
        qtbot.waitUntil(lambda: states[-1].state is WebSocketState.CLOSED)
        assert [s.state for s in states] == [
            WebSocketState.CONNECTING,
            WebSocketState.OPEN,
            WebSocketState.CLOSING,
            WebSocketState.CLOSED,
        ]
        assert events[-1].message == "Closed; the peer answered close 1000 (bye)"
    finally:
        assert worker.stop(1000)
        assert server.stop(1000)


def test_stop_while_open_ends_within_a_second(qtbot: QtBot) -> None:
    peer = WebsocketsServer()
    worker = WebSocketWorker()
    states: list[WebSocketStatus] = []
    worker.status_changed.connect(states.append)
    worker.start()
    try:
        worker.open(f"ws://127.0.0.1:{peer.port}/", (), 5.0, True)
        qtbot.waitUntil(lambda: bool(states) and states[-1].state is WebSocketState.OPEN)
        started = time.monotonic()
        assert worker.stop(1000)
        assert time.monotonic() - started < 1.0
        qtbot.waitUntil(lambda: bool(peer.closes))  # the socket was released
    finally:
        worker.stop(1000)
        peer.close()


def test_start_up_imports_no_websocket_library(tmp_path: Path) -> None:
    # wsproto and h11 cost about 25 ms of imports: only a window that opens a WebSocket
    # (or serves the echo mode) pays them, and start-up is measured against a bare window.
    code = (
        "import sys\n"
        "from app.ui.application import ensure_application\n"
        "ensure_application()\n"
        "from app.main import create_main_window\n"
        "window = create_main_window()\n"
        "import app.workers.websocket_worker, app.net.http.server\n"
        "print(sorted(m for m in ('wsproto', 'h11') if m in sys.modules))\n"
    )
    env = {**os.environ, "SOCKET_TESTER_SETTINGS": str(tmp_path / "s.ini")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.stdout.strip() == "[]", done.stderr
