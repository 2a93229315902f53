"""A command loads no Qt and starts about as fast as Python itself; pcapng is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.cli_process import ENV, run_cli
from tests.export.pcapng_reader import decode, read_pcapng
from tests.peers import EchoServer


def test_a_command_imports_no_qt(echo_server: EchoServer) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "app",
            "send",
            "tcp",
            "127.0.0.1",
            str(echo_server.port),
            "x",
            "--wait",
            "500",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "app.cli.entry" in imported
    assert not [name for name in imported if name.startswith(("PySide6", "shiboken6", "app.ui"))]


def test_pcapng_of_a_tcp_exchange_reads_back(echo_server: EchoServer, tmp_path: Path) -> None:
    capture = tmp_path / "exchange.pcapng"
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(echo_server.port),
        "Hello, server!",
        "--wait",
        "1000",
        "--quiet",
        "--pcapng",
        str(capture),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    _, captured = read_pcapng(capture.read_bytes())
    payloads = [packet.payload for packet in map(decode, captured) if packet.payload]
    assert payloads == [b"Hello, server!", b"Hello, server!"]


def _imported_by(*args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    return done, imported


def test_the_new_send_commands_import_no_qt(echo_server: EchoServer) -> None:
    port = str(echo_server.port)
    for args, module in (
        (("tcp", "127.0.0.1", port, "x", "--connections", "2"), "app.net.tcp.load_run"),
        (("http", f"http://127.0.0.1:{port}/", "--timeout", "200"), "app.net.http.client.engine"),
        (("ws", f"ws://127.0.0.1:{port}/", "--timeout", "200"), "app.net.websocket.client"),
    ):
        _, imported = _imported_by("send", *args)
        assert module in imported, args  # the command ran
        assert not [n for n in imported if n.startswith(("PySide6", "shiboken6", "app.ui"))], args
