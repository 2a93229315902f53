"""The command line: start to first packet vs `python -c pass`, and a UDP flood vs sendto.

Start: the time from spawning `python -m app send udp 127.0.0.1 PORT x` to the datagram
arriving on the benchmark's own socket, against the whole run of `python -c pass`, the
median of rounds in which each starts once (side by side, so a busy moment hits both).
Flood: `send udp --count 1000000 --interval 0 --quiet` to a loopback socket nobody reads,
against a bare Python `sendto` loop of the same datagrams in its own process.

Both run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed from their
environment) after one warm-up start, as an installed program runs: compiling every
module from source on each start measures the compiler, not the program.

Run alone: python -m tests.benchmarks.bench_cli
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time

from tests.benchmarks.gui_harness import figure

ROUNDS = 9
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
FLOOD = 1_000_000
BARE_SENDTO = """
import socket, sys, time
n, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
address = ("127.0.0.1", port)
t = time.perf_counter()
for _ in range(n):
    s.sendto(b"flood", address)
print(n / (time.perf_counter() - t))
"""


def _receiver() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(30)
    return sock


def _first_packet(sock: socket.socket) -> float:
    port = sock.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "send", "udp", "127.0.0.1", str(port), "x", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    sock.recv(100)
    elapsed = time.perf_counter() - started
    process.wait(30)
    return elapsed


def _python_pass() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=ENV)
    return time.perf_counter() - started


def _flood_rate(port: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "send",
            "udp",
            "127.0.0.1",
            str(port),
            "flood",
            "--count",
            str(FLOOD),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    assert f"sent {FLOOD:,} messages" in done.stderr, done.stderr
    # The whole process, start-up included: what a script sees.
    return FLOOD / (time.perf_counter() - started)


def _bare_rate(port: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", BARE_SENDTO, str(FLOOD), str(port)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def run() -> list[dict[str, object]]:
    with _receiver() as sock:
        _first_packet(sock)  # the warm-up: writes the bytecode caches
        starts, passes = [], []
        for _ in range(ROUNDS):
            starts.append(_first_packet(sock))
            passes.append(_python_pass())
        start, bare_start = statistics.median(starts) * 1000, statistics.median(passes) * 1000
        port = sock.getsockname()[1]
        flood, bare = [], []
        for _ in range(2):
            flood.append(_flood_rate(port))
            bare.append(_bare_rate(port))
    rate, bare_rate = max(flood), max(bare)
    return [
        figure(
            "CLI: start to first packet, send udp (median)",
            start,
            "ms",
            bare_start,
            "<= 2x python -c pass",
            start <= 2 * bare_start,
        ),
        figure(
            "CLI: send udp --count 1,000,000 --quiet (whole process)",
            rate,
            "datagrams/s",
            bare_rate,
            ">= 0.8x a bare sendto loop, > 90,000/s",
            rate >= 0.8 * bare_rate and rate > 90_000,
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
