"""HTTP client: requests/s of small keep-alive GETs through the engine vs http.client
and requests, all three against the same app HTTP Server (Fixed mode) in one run.

The server runs in a process of its own (its Reactor must not share our GIL). The
engine runs on its Reactor thread with the tab worker's plumbing minus Qt: every row
goes through an EventBatcher flushed by the loop's idle hook, and every status report
forces a flush first, as ReactorWorker.report_status does; the consumer keeps every
row and acknowledges each batch at once (a GUI that keeps up). The next GET is sent
from the callback that reports the last one finished (posting it instead would add a
wake-up syscall per request). All three clients send the same request bytes (the
engine's User-Agent and Accept-Encoding) and check the same body. http.client reuses
one HTTPConnection; requests reuses one Session. Each client runs ROUNDS times,
alternating, and its best round counts (the machine is shared).
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.net.batcher import EventBatcher
from app.net.events import LogEvent
from app.net.http.client.engine import HttpClient
from app.net.http.client.request_head import ACCEPT_ENCODING, USER_AGENT
from app.net.http.client.result import ExchangeResult, RequestSpec
from app.net.http.client.status import HttpClientStatus
from app.net.reactor import Reactor
from tests.benchmarks.gui_harness import figure

DURATION_S = 2.0
ROUNDS = 3
BODY = b"Hello, client!"
# What the engine adds to a bare GET; the baselines send them too (http.client then adds
# only Host, as the engine does), so every client puts the same bytes on the wire.
SAME_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}

# The app's HTTP Server on its own Reactor; prints its port once listening. Its log
# events go to a sink that drops them (the benchmark measures the client).
_SERVER = r"""
from app.net.http.server import HttpServer
from app.net.reactor import Reactor
reactor = Reactor()
def on_state(status):
    if status.port:
        print(status.port, flush=True)
server = HttpServer(reactor, lambda event: None, on_state)
reactor.call_soon(server.start, "127.0.0.1", 0)
reactor.run()
"""


def start_server() -> tuple[subprocess.Popen[str], int]:
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    line = server.stdout.readline()  # blocks until the server listens (or dies)
    assert line.strip().isdigit(), "the HTTP server did not start"
    return server, int(line)


def engine_rate(url: str) -> tuple[float, int, int]:
    """(requests/s, requests, rows logged) of the engine on its Reactor thread."""
    reactor = Reactor()
    rows: list[LogEvent] = []
    done = threading.Event()
    count = [0, 0]  # completed, failed
    stop_at = [0.0]
    spec = RequestSpec("GET", url)

    def finished(result: ExchangeResult) -> None:
        if result.status == 200 and result.body == BODY:
            count[0] += 1
        else:
            count[1] += 1
        if time.perf_counter() < stop_at[0]:
            client.send(spec)  # from inside the callback: the engine is idle again
        else:
            done.set()

    def deliver(batch: list[LogEvent]) -> None:
        rows.extend(batch)
        batcher.ack()

    batcher = EventBatcher(deliver, wake=reactor.wake)
    reactor.add_idle_hook(batcher.flush_if_due)

    def report_status(status: HttpClientStatus) -> None:
        batcher.flush(force=True)  # ReactorWorker.report_status, without the signal

    client = HttpClient(reactor, batcher.add, report_status, finished, sink_many=batcher.extend)
    thread = threading.Thread(target=reactor.run, daemon=True)
    thread.start()
    start = time.perf_counter()
    stop_at[0] = start + DURATION_S
    reactor.call_soon(client.send, spec)
    done.wait(DURATION_S * 10)
    elapsed = time.perf_counter() - start
    reactor.call_soon(client.close)
    reactor.stop()
    thread.join(5)
    reactor.close()
    batcher.flush(force=True)
    assert count[1] == 0, f"{count[1]} exchanges failed"
    return count[0] / elapsed, count[0], len(rows)


def http_client_rate(port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = 0
    start = time.perf_counter()
    stop_at = start + DURATION_S
    while time.perf_counter() < stop_at:
        conn.request("GET", "/", headers=SAME_HEADERS)
        response = conn.getresponse()
        assert response.read() == BODY
        done += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return done / elapsed


def requests_rate(url: str) -> float | None:
    try:
        import requests
    except ImportError:
        return None
    done = 0
    with requests.Session() as session:
        session.headers.clear()  # its own Accept and Connection would add bytes
        session.headers.update(SAME_HEADERS)
        start = time.perf_counter()
        stop_at = start + DURATION_S
        while time.perf_counter() < stop_at:
            assert session.get(url, timeout=10).content == BODY
            done += 1
        elapsed = time.perf_counter() - start
    return done / elapsed


def run() -> list[dict[str, object]]:
    server, port = start_server()
    url = f"http://127.0.0.1:{port}/"
    engine: list[tuple[float, int, int]] = []
    baseline: list[float] = []
    session: list[float | None] = []
    try:
        for _ in range(ROUNDS):
            engine.append(engine_rate(url))
            baseline.append(http_client_rate(port))
            session.append(requests_rate(url))
    finally:
        server.terminate()
        server.wait(10)
    rate, requests_done, logged = max(engine)
    base = max(baseline)
    figures = [
        figure(
            "HTTP client: keep-alive GETs/s, every exchange logged (vs http.client, one "
            "connection)",
            rate,
            "req/s",
            base,
            ">= 1.0x http.client",
            rate >= base,
        ),
        figure(
            "HTTP client: rows logged per exchange (sent + received)",
            logged / max(requests_done, 1),
            "rows",
            None,
            ">= 2",
            logged >= 2 * requests_done,
        ),
    ]
    measured = [s for s in session if s is not None]
    if measured:
        figures.append(
            figure(
                "HTTP client: keep-alive GETs/s vs requests.Session",
                rate,
                "req/s",
                max(measured),
                "report",
                True,
            )
        )
    else:
        figures.append(
            figure(
                "HTTP client: vs requests", rate, "req/s", None, "not measured: no requests", False
            )
        )
    return figures


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
