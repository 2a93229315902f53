"""TLS: receive into the TCP Client tab, HTTPS requests/s, TLS handshakes/s, each beside
its baseline measured in the same run on the same loopback, certificate and machine.

- Receive: a Python `ssl` sender pours TOTAL bytes; the tab (TLS on, every chunk logged
  and counted) vs a bare `SSLSocket.recv_into` loop reading the same sender.
- HTTPS: the HTTP Server tab with HTTPS vs the same tab without, under the same wrk
  keep-alive load (bench_http.run_load); the ratio is the figure.
- Handshakes: a client process doing full handshakes (no resumption) on 4 threads for
  HANDSHAKE_S; the TCP Server tab with TLS (every connection, handshake and leave logged)
  vs a bare `ssl` server loop (accept, handshake, close) in a thread.
All servers use the certificate the app generates (ECDSA P-256).
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.benchmarks.bench_http import free_port, run_load
from tests.benchmarks.gui_harness import figure, process_until

TOTAL = 512 * 1024**2
CHUNK = 1024 * 1024
HANDSHAKE_S = 4.0

# Full handshakes (a new context per connection: no session reuse) on a few threads;
# prints how many completed.
_HANDSHAKER = r"""
import socket, ssl, sys, threading, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
done = [0] * 4
end = time.monotonic() + seconds
def work(i):
    while time.monotonic() < end:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with context.wrap_socket(raw, server_hostname="localhost"):
                    done[i] += 1
        except OSError:
            pass
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(done))
"""


def server_context(pem: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pem))
    return context


def unchecked_client() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class TlsSender:
    """Accepts one connection, speaks TLS and sends TOTAL bytes as fast as it can."""

    def __init__(self, pem: Path) -> None:
        self.context = server_context(pem)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        raw, _ = self.listener.accept()
        chunk = memoryview(os.urandom(CHUNK))
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                for _ in range(TOTAL // CHUNK):
                    conn.sendall(chunk)
                conn.settimeout(5)
                conn.unwrap()
        except OSError:
            pass
        finally:
            raw.close()
            self.listener.close()


def bare_tls_recv(pem: Path) -> float:
    sender = TlsSender(pem)
    raw = socket.create_connection(("127.0.0.1", sender.port))
    sock = unchecked_client().wrap_socket(raw, server_hostname="localhost")
    view = memoryview(bytearray(256 * 1024))
    received = 0
    start = time.perf_counter()
    while n := sock.recv_into(view):
        received += n
    elapsed = time.perf_counter() - start
    sock.close()
    sender.thread.join(10)
    assert received == TOTAL, received
    return received / elapsed / 1e6


def tab_tls_recv(window: object, pem: Path) -> float:
    from app.ui.tabs.tcp_client import TcpClientTab

    tab = window.tab(TcpClientTab)  # type: ignore[attr-defined]
    model = window.log_pane.model  # type: ignore[attr-defined]
    before = model.totals.received_bytes
    sender = TlsSender(pem)
    tab.host.setText("127.0.0.1")
    tab.port.setValue(sender.port)
    tab.tls.enabled.setChecked(True)
    tab.tls.verify.setChecked(False)
    start = time.perf_counter()
    tab.connect_button.click()
    done = process_until(lambda: model.totals.received_bytes - before >= TOTAL, timeout=180)
    elapsed = time.perf_counter() - start
    sender.thread.join(10)
    if not done:
        raise RuntimeError(f"only {model.totals.received_bytes - before:,} bytes counted")
    return TOTAL / elapsed / 1e6


def https_ratio(window: object) -> tuple[float, float, int, int]:
    """(HTTPS req/s, HTTP req/s, errors over HTTPS, errors over HTTP) of the HTTP tab."""
    from app.ui.tabs.http_server import HttpServerTab

    tab = window.tab(HttpServerTab)  # type: ignore[attr-defined]
    window.tabs.setCurrentWidget(tab)  # type: ignore[attr-defined]
    results = []
    for tls in (True, False):
        port = free_port()
        tab.port.setValue(port)
        tab.tls.enabled.setChecked(tls)
        tab.start_button.click()
        assert process_until(lambda: tab.start_button.running, timeout=10), "no server"
        rate, _, errors = run_load(port, scheme="https" if tls else "http")
        results.append((rate, errors))
        tab.start_button.click()
        assert process_until(lambda: not tab.start_button.running, timeout=10)
    (tls_rate, tls_errors), (plain_rate, plain_errors) = results
    return tls_rate, plain_rate, tls_errors, plain_errors


def handshakes(port: int) -> float:
    """Handshakes/s the server on `port` completes for the handshaking client process."""
    with subprocess.Popen(
        [sys.executable, "-c", _HANDSHAKER, str(port), str(HANDSHAKE_S)],
        stdout=subprocess.PIPE,
        text=True,
    ) as client:
        process_until(lambda: client.poll() is not None, timeout=HANDSHAKE_S * 10)
        output, _ = client.communicate(timeout=10)
    return int(output.strip()) / HANDSHAKE_S


def bare_handshakes(pem: Path) -> float:
    context = server_context(pem)
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            raw.settimeout(5)
            try:
                context.wrap_socket(raw, server_side=True).close()
            except OSError:
                raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    rate = handshakes(listener.getsockname()[1])
    stop.set()
    thread.join(5)
    listener.close()
    return rate


def tab_handshakes(window: object) -> float:
    from app.ui.tabs.tcp_server import TcpServerTab

    tab = window.tab(TcpServerTab)  # type: ignore[attr-defined]
    window.tabs.setCurrentWidget(tab)  # type: ignore[attr-defined]
    port = free_port()
    tab.port.setValue(port)
    tab.tls.enabled.setChecked(True)
    tab.start_button.click()
    assert process_until(lambda: tab.start_button.running, timeout=10), "no TLS server"
    rate = handshakes(port)
    tab.start_button.click()
    process_until(lambda: not tab.start_button.running, timeout=10)
    return rate


def run() -> list[dict[str, object]]:
    from app.net.tls.self_signed import ensure_self_signed
    from app.ui.application import create_main_window
    from app.ui.widgets.tls_fields import settings_folder

    window = create_main_window()
    window.show()
    pem = ensure_self_signed(settings_folder()).pem_path  # the one the tabs use too
    base_recv = bare_tls_recv(pem)
    recv = tab_tls_recv(window, pem)
    tls_rate, plain_rate, tls_errors, plain_errors = https_ratio(window)
    base_handshakes = bare_handshakes(pem)
    tab_rate = tab_handshakes(window)
    window.close()
    return [
        figure(
            "TLS receive (TCP Client tab, every chunk logged)",
            recv,
            "MB/s",
            base_recv,
            ">= 50% of a bare ssl recv loop",
            recv >= 0.5 * base_recv,
        ),
        figure(
            "HTTPS: requests/s with keep-alive (baseline: the same tab over HTTP)",
            tls_rate,
            "req/s",
            plain_rate,
            "ratio reported; no errors",
            tls_errors == plain_errors == 0,
        ),
        figure(
            "TLS handshakes/s (TCP Server tab, each logged) vs a bare ssl server loop",
            tab_rate,
            "hs/s",
            base_handshakes,
            "ratio reported",
            tab_rate > 0,
        ),
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
