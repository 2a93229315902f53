"""`send ws` against the app's own `serve http --websocket-echo` and the websockets library."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.cli_process import CliProcess, run_cli
from tests.peers import free_port


@pytest.fixture
def echo_url() -> Iterator[str]:
    port = free_port()
    server = CliProcess("serve", "http", str(port), "--websocket-echo")
    try:
        server.wait_for(lambda line: "running on" in line or "Listening " in line)
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()


def _events(stdout: str) -> tuple[list[dict[str, object]], dict[str, object]]:
    *events, last = [json.loads(line) for line in stdout.splitlines()]
    return events, last["summary"]


def test_messages_from_arguments_are_echoed_and_closed_with_1000(echo_url: str) -> None:
    done = run_cli(
        "send", "ws", echo_url, "Hello {{counter}}", "two", "--ping", "--wait", "2000",
        "--count", "2", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    events, summary = _events(done.stdout)
    received = [e["data_text"] for e in events if e["kind"] == "received"]
    assert "Hello 1" in received and "two" in received
    assert any(str(e["message"]).startswith("pong · RTT ") for e in events)
    sent_close = [e for e in events if e["kind"] == "sent" and e["message"] == "close 1000"]
    assert sent_close and summary["messages_received"] == 2 and summary["exit_code"] == 0


def test_stdin_lines_and_hex_messages(echo_url: str) -> None:
    lines = run_cli("send", "ws", echo_url, "--count", "2", "--json", stdin=b"first\nsecond\n")
    assert lines.returncode == 0, lines.stderr
    events, _ = _events(lines.stdout)
    texts = [e for e in events if e["kind"] == "received" and str(e["message"]).startswith("text")]
    assert [e["data_text"] for e in texts] == ["first", "second"]
    binary = run_cli("send", "ws", echo_url, "--hex", "01 02 ff", "--count", "1")
    assert binary.returncode == 0, binary.stderr
    assert any(line.endswith("  \\x01\\x02\\xff") for line in binary.stdout.splitlines()
               if "  received  " in line)  # fmt: skip


def test_a_refused_open_is_exit_1_and_a_bad_url_exit_2() -> None:
    refused = run_cli("send", "ws", f"ws://127.0.0.1:{free_port()}/", "x")
    assert refused.returncode == 1
    assert "Connection refused" in refused.stderr
    bad = run_cli("send", "ws", "http://127.0.0.1/", "x")
    assert bad.returncode == 2 and "ws:// or wss://" in bad.stderr
