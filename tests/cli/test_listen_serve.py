"""`listen` and `serve` as long-running processes: real clients, Ctrl+C, files written."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
from base64 import b64decode
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.cli_process import CliProcess, run_cli
from tests.peers import free_port
from tests.udp_peers import free_udp_port

TUTORIAL_TCP_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"Hello, server!")
data = s.recv(1024)
print(f"Received data: {data.decode()}")
s.close()
"""
TUTORIAL_UDP_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"Hello, server!", ("127.0.0.1", int(sys.argv[1])))
"""


@pytest.fixture
def processes() -> Iterator[list[CliProcess]]:
    started: list[CliProcess] = []
    yield started
    for process in started:
        process.close()


def _start(processes: list[CliProcess], *args: str) -> CliProcess:
    process = CliProcess(*args)
    processes.append(process)
    process.wait_for(lambda line: "Listening " in line or "running on" in line)
    return process


def test_the_tutorial_tcp_client_against_listen_echo(processes: list[CliProcess]) -> None:
    port = free_port()
    server = _start(processes, "listen", "tcp", str(port), "--echo", "--count", "1")
    client = subprocess.run(
        [sys.executable, "-c", TUTORIAL_TCP_CLIENT, str(port)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert client.stdout == "Received data: Hello, server!\n", client.stderr
    code, stderr = server.finish()
    assert code == 0, stderr
    assert any(line.endswith("Hello, server!") and "received" in line for line in server.lines)


def test_listen_udp_json_prints_the_tutorials_datagram(processes: list[CliProcess]) -> None:
    port = free_udp_port()
    server = _start(processes, "listen", "udp", str(port), "--json", "--count", "1")
    subprocess.run([sys.executable, "-c", TUTORIAL_UDP_CLIENT, str(port)], check=True, timeout=20)
    code, stderr = server.finish()
    assert code == 0, stderr
    *records, summary = [json.loads(line) for line in server.lines]
    assert summary["summary"]["received"] == 1 and summary["summary"]["exit_code"] == 0
    received = [r for r in records if r["kind"] == "received"]
    assert [b64decode(r["data_base64"]) for r in received] == [b"Hello, server!"]
    assert received[0]["source"] == "UDP Listener" and received[0]["peer"].startswith("127.0.0.1:")


def test_listen_reply_answers_each_message(processes: list[CliProcess]) -> None:
    port = free_port()
    _start(processes, "listen", "tcp", str(port), "--reply", "OK\\r\\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"one")
        assert client.recv(100) == b"OK\r\n"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_the_run_with_a_summary(
    processes: list[CliProcess], sig: signal.Signals
) -> None:
    port = free_port()
    server = _start(processes, "listen", "tcp", str(port), "--echo")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"ping")
        assert client.recv(100) == b"ping"
        server.process.send_signal(sig)
        code, stderr = server.finish()
    assert code == 0
    assert f"(stopped by {sig.name})" in stderr
    assert "received 1 message (4 B)" in stderr
    assert "Traceback" not in stderr


def test_port_in_use_is_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("listen", "tcp", str(port))
    assert done.returncode == 1
    assert "failed:" in done.stderr and str(port) in done.stderr


def test_duration_ends_a_listener() -> None:
    done = run_cli("listen", "udp", str(free_udp_port()), "--duration", "0.3", "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "received 0 messages" in done.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_against_serve_http(processes: list[CliProcess], tmp_path: Path) -> None:
    (tmp_path / "index.html").write_bytes(b"<p>folder</p>")
    port = free_port()
    record = tmp_path / "record.jsonl"
    server = _start(
        processes,
        "serve",
        "http",
        str(port),
        "--folder",
        str(tmp_path),
        "--count",
        "2",
        "--record",
        str(record),
    )
    url = f"http://127.0.0.1:{port}/"
    page = subprocess.run(["curl", "-s", url], capture_output=True, timeout=20)
    missing = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url + "nope"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert page.stdout == b"<p>folder</p>"
    assert missing.stdout == "404"
    code, stderr = server.finish()
    assert code == 0, stderr
    kinds = [json.loads(line)["kind"] for line in record.read_text().splitlines()]
    assert kinds.count("received") + kinds.count("error") >= 2


def test_serve_http_fixed_response_for_the_tutorial(processes: list[CliProcess]) -> None:
    port = free_port()
    _start(processes, "serve", "http", str(port))
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert response.read() == b"Hello, client!"
        assert response.headers["Content-Type"].startswith("text/html")


def test_serve_http_websocket_echo(processes: list[CliProcess]) -> None:
    from websockets.sync.client import connect

    port = free_port()
    server = _start(processes, "serve", "http", str(port), "--websocket-echo")
    with connect(f"ws://127.0.0.1:{port}/cli", compression=None) as ws:
        ws.send("over the command line")
        assert ws.recv(timeout=10) == "over the command line"
    server.wait_for(lambda line: "Closed by the peer" in line)
    echoed = [line for line in server.lines if line.endswith("over the command line")]
    assert [" received " in echoed[0], " sent " in echoed[1]] == [True, True]


@pytest.mark.skipif(shutil.which("ncat") is None, reason="ncat is not installed")
def test_ncat_against_listen_echo(processes: list[CliProcess]) -> None:
    port = free_port()
    server = _start(processes, "listen", "tcp", str(port), "--echo", "--count", "1")
    client = subprocess.run(
        ["ncat", "-w", "5", "127.0.0.1", str(port)],
        input=b"hello ncat\n",
        capture_output=True,
        timeout=30,
    )
    assert client.stdout == b"hello ncat\n", client.stderr
    code, stderr = server.finish()
    assert code == 0, stderr
