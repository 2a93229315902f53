"""A child process for the lifecycle test: makes every tab busy, then closes the window.

Prints "busy" once TCP is receiving a flood, a UDP repeat run is sending and the HTTP
server is under load; prints "closing" just before closing the window; the parent
measures from "closing" to the process's exit and checks its exit code.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
import tempfile
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SOCKET_TESTER_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "settings.ini")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSpinBox

from app.ui.application import create_main_window, ensure_application


def tcp_flood_server() -> int:
    """Accepts one client and sends to it until the connection breaks."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        chunk = b"\xab" * 65536
        try:
            while True:
                conn.sendall(chunk)
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def http_load(port: int, stop: threading.Event) -> None:
    """Keep-alive GETs in a loop until the server goes away."""
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            for _ in range(1000):
                conn.request("GET", "/")
                conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            if stop.is_set():
                return


def main() -> int:
    app = ensure_application()
    window = create_main_window()
    window.show()

    def find(cls: type, name: str):  # type: ignore[no-untyped-def]
        widget = window.findChild(cls, name)
        assert widget is not None, name
        return widget

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]

    find(QSpinBox, "tcpPort").setValue(tcp_flood_server())
    find(QPushButton, "tcpConnect").click()
    find(QSpinBox, "udpPort").setValue(sink.getsockname()[1])
    find(QSpinBox, "udpCount").setValue(10_000_000)
    find(QSpinBox, "udpInterval").setValue(0)
    find(QPushButton, "udpSend").click()
    find(QSpinBox, "httpPort").setValue(http_port)
    find(QPushButton, "httpStart").click()
    stop_load = threading.Event()
    model = window.log_pane.model

    def busy() -> bool:
        totals = model.totals
        return (
            find(QLabel, "httpStatus").accessibleName().startswith("Running")
            and totals.received_bytes > 10_000_000
            and totals.sent_events > 10_000
        )

    def start_load() -> None:
        for _ in range(4):
            threading.Thread(target=http_load, args=(http_port, stop_load), daemon=True).start()

    def check() -> None:
        if not busy():
            QTimer.singleShot(20, check)
            return
        start_load()
        QTimer.singleShot(500, close)

    def close() -> None:
        print("busy", model.totals.received_bytes, model.totals.sent_events, flush=True)
        print("closing", flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, check)
    QTimer.singleShot(30_000, lambda: (print("never busy", flush=True), app.exit(3)))
    code = app.exec()
    stop_load.set()
    assert isinstance(find(QLineEdit, "tcpHost"), QLineEdit)
    return code


if __name__ == "__main__":
    sys.exit(main())
