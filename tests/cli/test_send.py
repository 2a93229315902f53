"""`send tcp` / `send udp` against real peers: output, replies and exit codes."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from base64 import b64decode

import pytest

from tests.cli.cli_process import run_cli
from tests.peers import CloseAtOnceServer, EchoServer, SinkServer, free_port
from tests.udp_peers import UdpReceiver


def test_send_tcp_prints_the_reply_and_exits_0(echo_server: EchoServer) -> None:
    done = run_cli(
        "send", "tcp", "127.0.0.1", str(echo_server.port), "Hello, server!", "--wait", "2000"
    )
    assert done.returncode == 0, done.stderr
    received = [line for line in done.stdout.splitlines() if "  received  " in line]
    # Each reply shows its round trip, as the GUI's rows do.
    assert len(received) == 1 and re.search(r"  Hello, server!  RTT [0-9.]+ ms$", received[0])
    assert "sent 1 message (14 B), received 1 message (14 B)" in done.stderr


def test_send_tcp_count_interval_and_hex(echo_server: EchoServer) -> None:
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(echo_server.port),
        "--hex",
        "48 69 0a",
        "--count",
        "3",
        "--interval",
        "20",
        "--wait",
        "1000",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    *records, summary = [json.loads(line) for line in done.stdout.splitlines()]
    assert summary["summary"]["round_trips"]["replies"] >= 1
    sent = [r for r in records if r["kind"] == "sent"]
    assert [r["data_text"] for r in sent] == ["Hi\\n"] * 3
    received = b"".join(b64decode(r["data_base64"]) for r in records if r["kind"] == "received")
    assert received == b"Hi\n" * 3


def test_send_tcp_from_stdin(echo_server: EchoServer) -> None:
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(echo_server.port),
        "--file",
        "-",
        "--wait",
        "1000",
        "--show-hex",
        stdin=b"\x00\x01\xff",
    )
    assert done.returncode == 0, done.stderr
    received = [line for line in done.stdout.splitlines() if "  received  " in line]
    assert received and re.search(r"  3  00 01 ff  RTT [0-9.]+ ms$", received[0])


def test_refused_is_exit_1_with_the_reason() -> None:
    done = run_cli("send", "tcp", "127.0.0.1", str(free_port()), "x")
    assert done.returncode == 1
    assert "failed: Connection refused" in done.stderr


def test_unresolvable_is_exit_1() -> None:
    done = run_cli("send", "tcp", "no-such-host.invalid", "80", "x", timeout=60)
    assert done.returncode == 1
    assert "Cannot resolve 'no-such-host.invalid'" in done.stderr


def test_no_reply_within_the_wait_is_exit_1(sink_server: SinkServer) -> None:
    done = run_cli("send", "tcp", "127.0.0.1", str(sink_server.port), "ping", "--wait", "300")
    assert done.returncode == 1
    assert "failed: no reply within 300 ms" in done.stderr


def test_bad_input_is_exit_2_with_the_reason() -> None:
    bad_hex = run_cli("send", "udp", "127.0.0.1", "9", "--hex", "4G")
    assert bad_hex.returncode == 2 and "hex:" in bad_hex.stderr and "'G'" in bad_hex.stderr
    bad_port = run_cli("send", "udp", "127.0.0.1", "70000", "x")
    assert bad_port.returncode == 2 and "Port must be from 1 to 65535" in bad_port.stderr
    bad_usage = run_cli("send", "sctp", "127.0.0.1", "9")
    assert bad_usage.returncode == 2 and "invalid choice" in bad_usage.stderr
    assert bad_hex.stdout == bad_port.stdout == ""


def test_send_udp_gets_replies_to_its_socket() -> None:
    with UdpReceiver(echo=True) as echo:
        done = run_cli(
            "send", "udp", "127.0.0.1", str(echo.port), "n", "--count", "5", "--wait", "1000"
        )
    assert done.returncode == 0, done.stderr
    assert "sent 5 messages (5 B), received 5 messages (5 B)" in done.stderr


def test_send_udp_without_a_listener_is_exit_1() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    done = run_cli("send", "udp", "127.0.0.1", str(port), "x", "--wait", "1000")
    assert done.returncode == 1
    assert "failed:" in done.stderr


@pytest.mark.skipif(shutil.which("socat") is None, reason="socat is not installed")
def test_send_tcp_against_socat_echo() -> None:
    port = free_port()
    echo = subprocess.Popen(
        ["socat", "-d", "-d", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert echo.stderr is not None
        for line in echo.stderr:  # -d -d: socat says when it listens
            if "listening on" in line:
                break
        done = run_cli("send", "tcp", "127.0.0.1", str(port), "via socat\\n", "--wait", "2000")
    finally:
        echo.kill()
        echo.communicate(timeout=10)
    assert done.returncode == 0, done.stderr
    assert "sent 1 message (10 B), received 1 message (10 B)" in done.stderr


def test_a_peer_that_closes_without_replying_is_exit_1_saying_so() -> None:
    with CloseAtOnceServer() as closing:
        # No DATA: nothing unread at the server, so it ends with a FIN, not a reset.
        done = run_cli("send", "tcp", "127.0.0.1", str(closing.port), "--wait", "5000")
    assert done.returncode == 1
    assert "failed: the peer closed the connection without a reply" in done.stderr
