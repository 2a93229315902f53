"""HTTP: requests/s of the HTTP Server tab (every request logged) vs two baselines.

`python -m http.server` is the floor; uvicorn with httptools (access log off, the `bench`
extra) is the strong anchor: a production ASGI server on a C parser. All three serve the
same 14-byte text/html body to the same load generator: wrk -t2 -c32 with keep-alive when
wrk is installed, else a Python keep-alive client in its own process.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.gui_harness import figure, process_until

DURATION_S = 5
CONNECTIONS = 32
BODY = b"Hello, client!"

# A fallback load generator: CONNECTIONS keep-alive connections in threads of one
# process, counting responses and errors for DURATION_S seconds. Prints "requests errors".
_PY_LOAD = r"""
import http.client, sys, threading, time
port, seconds, conns = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
done = [0]; errors = [0]; stop = time.monotonic() + seconds
def worker():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < stop:
        try:
            c.request("GET", "/index.html"); r = c.getresponse(); r.read()
            if r.status == 200: done[0] += 1
            else: errors[0] += 1
        except Exception:
            errors[0] += 1; c.close(); c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
threads = [threading.Thread(target=worker) for _ in range(conns)]
[t.start() for t in threads]; [t.join() for t in threads]
print(done[0], errors[0])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def load_command(port: int, scheme: str = "http") -> list[str]:
    if shutil.which("wrk"):
        return [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION_S}s",
            f"{scheme}://127.0.0.1:{port}/index.html",
        ]
    assert scheme == "http", "the fallback load generator speaks plain HTTP only"
    return [sys.executable, "-c", _PY_LOAD, str(port), str(DURATION_S), str(CONNECTIONS)]


def parse_load(output: str) -> tuple[int, int]:
    """(requests completed, errors) from wrk's or the fallback's output."""
    if "Requests/sec" not in output:
        done, errors = output.split()[:2]
        return int(done), int(errors)
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in match.groups())
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    return requests, errors


def run_load(port: int, scheme: str = "http") -> tuple[float, int, int]:
    """(requests/s, requests, errors); waits with the Qt event loop running."""
    start = time.perf_counter()
    command = load_command(port, scheme)
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as load:
        process_until(lambda: load.poll() is not None, timeout=DURATION_S * 6)
        output, _ = load.communicate(timeout=10)
    elapsed = min(time.perf_counter() - start, DURATION_S) if shutil.which("wrk") else DURATION_S
    requests, errors = parse_load(output)
    return requests / elapsed, requests, errors


def baseline(folder: Path) -> tuple[float, int]:
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return load_server([*command, "--directory", str(folder)], port, "python -m http.server")


def load_server(command: list[str], port: int, name: str, start_s: float = 10) -> tuple[float, int]:
    """(req/s, errors) of the server `command` starts on `port`, stopped afterwards."""
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = process_until(lambda: _accepts(port), timeout=start_s)
        assert ready, f"{name} did not start"
        rate, _, errors = run_load(port)
    finally:
        server.terminate()
        server.wait(10)
    return rate, errors


# The smallest ASGI app that answers like the tab: same body, same content type.
_UVICORN_APP = r"""
import sys, uvicorn
BODY = b"Hello, client!"
HEADERS = [(b"content-type", b"text/html"), (b"content-length", str(len(BODY)).encode())]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools",
            access_log=False, log_level="warning", lifespan="off")
"""


def uvicorn_baseline() -> tuple[float, int] | None:
    """(req/s, errors) of uvicorn + httptools, or None when the bench extra is missing."""
    try:
        import httptools  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return None
    port = free_port()
    command = [sys.executable, "-c", _UVICORN_APP, str(port)]
    return load_server(command, port, "uvicorn", start_s=15)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def run() -> list[dict[str, object]]:
    from app.ui.application import create_main_window
    from app.ui.tabs.http_server import HttpServerTab
    from tests.benchmarks.stall_meter import StallMeter

    with tempfile.TemporaryDirectory(prefix="st-bench-http-") as folder:
        (Path(folder) / "index.html").write_bytes(BODY)
        base_rate, base_errors = baseline(Path(folder))
    anchor = uvicorn_baseline()

    window = create_main_window()
    window.show()
    tab = window.tab(HttpServerTab)
    assert isinstance(tab, HttpServerTab)
    window.tabs.setCurrentWidget(tab)
    port = free_port()
    tab.port.setValue(port)
    tab.body.setPlainText(BODY.decode())
    tab.start_button.click()
    assert process_until(lambda: _accepts(port), timeout=10), "the tab's server did not start"
    model = window.log_pane.model

    before = model.totals.events
    meter = StallMeter()
    meter.start()
    rate, requests, errors = run_load(port)
    stall = meter.stop()
    process_until(lambda: model.totals.events - before >= requests, timeout=10)
    logged = model.totals.events - before
    window.close()
    tool = "wrk -t2 -c32" if shutil.which("wrk") else "Python keep-alive client, 32 connections"
    return [
        figure(
            f"HTTP: requests/s, every request logged ({tool})",
            rate,
            "req/s",
            base_rate,
            ">= 3x python -m http.server",
            rate >= 3 * base_rate and errors == 0,
        ),
        figure("HTTP: errors (tab / http.server)", errors, "errors", base_errors, "0", errors == 0),
        *_anchor_figures(rate, anchor),
        figure(
            "HTTP: requests logged",
            logged,
            "rows",
            requests,
            ">= requests answered",
            logged >= requests,
        ),
        figure("HTTP: worst GUI stall", stall, "ms", None, "<= 50 ms", stall <= 50),
    ]


def _anchor_figures(rate: float, anchor: tuple[float, int] | None) -> list[dict[str, object]]:
    if anchor is None:
        return [
            figure(
                "HTTP: vs uvicorn + httptools",
                rate,
                "req/s",
                None,
                "not measured: pip install -e '.[bench]'",
                False,
            )
        ]
    anchor_rate, anchor_errors = anchor
    return [
        figure(
            "HTTP: vs uvicorn + httptools, access log off (the tab logs every request)",
            rate,
            "req/s",
            anchor_rate,
            ">= 1.0x uvicorn",
            rate >= anchor_rate and anchor_errors == 0,
        )
    ]


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
