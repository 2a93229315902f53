"""The command line with the tabs' features: macros, TLS, routes and the relay."""

from __future__ import annotations

import json
import shutil
import subprocess
from base64 import b64decode
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.cli_process import CliProcess, run_cli
from tests.peers import EchoServer, free_port
from tests.udp_peers import UdpReceiver


@pytest.fixture
def processes() -> Iterator[list[CliProcess]]:
    started: list[CliProcess] = []
    yield started
    for process in started:
        process.close()


def _start(processes: list[CliProcess], *args: str) -> CliProcess:
    process = CliProcess(*args)
    processes.append(process)
    process.wait_for(
        lambda line: "Listening " in line or "running on" in line or "listening on" in line
    )
    return process


def test_macros_expand_per_datagram() -> None:
    with UdpReceiver() as receiver:
        done = run_cli(
            "send",
            "udp",
            "127.0.0.1",
            str(receiver.port),
            "n={{counter:3}}",
            "--count",
            "3",
            "--quiet",
        )
        assert done.returncode == 0, done.stderr
        assert receiver.wait_for(lambda: len(receiver.datagrams) == 3)
        assert receiver.datagrams == [b"n=001", b"n=002", b"n=003"]


def test_the_modbus_crc_in_hex(echo_server: EchoServer) -> None:
    done = run_cli(
        "send",
        "tcp",
        "127.0.0.1",
        str(echo_server.port),
        "--hex",
        "01 03 00 00 00 0A {{crc16_modbus}}",
        "--wait",
        "1000",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    sent = [json.loads(line) for line in done.stdout.splitlines() if '"kind":"sent"' in line]
    assert b64decode(sent[0]["data_base64"]) == bytes.fromhex("01 03 00 00 00 0A C5 CD")


def test_an_unknown_macro_is_exit_2() -> None:
    done = run_cli("send", "udp", "127.0.0.1", "9", "{{nope}}")
    assert done.returncode == 2
    assert "nope" in done.stderr and "counter" in done.stderr


def test_tls_listen_and_send_with_the_generated_certificate(
    processes: list[CliProcess], tmp_path: Path
) -> None:
    port = free_port()
    env_settings = str(tmp_path / "settings.ini")
    server = CliProcess(
        "listen", "tcp", str(port), "--tls", "--echo", env={"SOCKET_TESTER_SETTINGS": env_settings}
    )
    processes.append(server)
    server.wait_for(lambda line: "Listening " in line)
    checked = run_cli("send", "tcp", "localhost", str(port), "hi", "--tls", "--wait", "2000")
    assert checked.returncode == 1  # self-signed: not trusted by the system
    assert "self-signed certificate" in checked.stderr
    pem = next(tmp_path.glob("*.pem"))
    trusted = run_cli(
        "send", "tcp", "localhost", str(port), "hi", "--tls", "--ca", str(pem), "--wait", "2000"
    )
    assert trusted.returncode == 0, trusted.stderr
    insecure = run_cli("send", "tcp", "127.0.0.1", str(port), "hi", "--insecure", "--wait", "2000")
    assert insecure.returncode == 0, insecure.stderr
    assert any(
        "  hi  RTT " in line and " received " in line for line in insecure.stdout.splitlines()
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_serve_a_folder_over_https_for_curl(processes: list[CliProcess], tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("secure page")
    port = free_port()
    _start_env = {"SOCKET_TESTER_SETTINGS": str(tmp_path / "settings.ini")}
    server = CliProcess("serve", "http", str(port), "--tls", "--folder", str(site), env=_start_env)
    processes.append(server)
    server.wait_for(lambda line: "running on https://" in line)
    page = subprocess.run(
        ["curl", "-sk", f"https://127.0.0.1:{port}/"], capture_output=True, timeout=20
    )
    assert page.stdout == b"secure page"


def test_serve_routes_from_a_file(processes: list[CliProcess], tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps(ROUTES))
    port = free_port()
    _start(processes, "serve", "http", str(port), "--routes", str(routes))
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/items/42", timeout=10) as answer:
        assert answer.read() == b'{"id": 42}'


def test_bad_routes_file_is_exit_2(tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text("[")
    done = run_cli("serve", "http", str(free_port()), "--routes", str(routes))
    assert done.returncode == 2 and "routes.json" in done.stderr


def test_relay_between_a_client_and_an_echo_server(
    processes: list[CliProcess], echo_server: EchoServer
) -> None:
    port = free_port()
    relay = CliProcess(
        "relay", "tcp", str(port), "127.0.0.1", str(echo_server.port), "--delay", "100"
    )
    processes.append(relay)
    relay.wait_for(lambda line: "listening on" in line)
    done = run_cli("send", "tcp", "127.0.0.1", str(port), "through", "--wait", "2000")
    assert done.returncode == 0, done.stderr
    assert "received 1 message (7 B)" in done.stderr
    relay.process.send_signal(2)
    code, stderr = relay.finish()
    assert code == 0, stderr
    assert sum(" received " in line for line in relay.lines) == 2  # one each way


def test_relay_to_a_refused_target_says_so(processes: list[CliProcess]) -> None:
    port = free_port()
    relay = CliProcess("relay", "tcp", str(port), "127.0.0.1", str(free_port()))
    processes.append(relay)
    relay.wait_for(lambda line: "listening on" in line)
    done = run_cli("send", "tcp", "127.0.0.1", str(port), "x", "--wait", "1000")
    assert done.returncode == 1
    relay.wait_for(lambda line: "closed the client's connection" in line)


ROUTES = {
    "format": "socket-tester-http-routes",
    "version": 1,
    "routes": [
        {
            "method": "GET",
            "path": "re:/api/items/(\\d+)",
            "status": 200,
            "content_type": "application/json",
            "body": '{"id": $1}',
            "delay_ms": 0,
            "fault": "None",
        }
    ],
}


RULES = {
    "format": "socket-tester-rules",
    "version": 1,
    "rules": [{"match": "Exact", "pattern": "PING", "reply": "PONG"}],
}


def test_listen_with_rules_answers_ping_with_pong(
    processes: list[CliProcess], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    port = free_port()
    _start(processes, "listen", "tcp", str(port), "--rules", str(rules))
    done = run_cli("send", "tcp", "127.0.0.1", str(port), "PING", "--wait", "2000")
    assert done.returncode == 0, done.stderr
    assert any("  PONG  RTT " in line for line in done.stdout.splitlines() if " received " in line)


def test_a_bad_rule_is_exit_2_with_its_cell(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    bad = {**RULES, "rules": [{"match": "Regex", "pattern": "(unclosed", "reply": "x"}]}
    rules.write_text(json.dumps(bad))
    done = run_cli("listen", "udp", str(free_port()), "--rules", str(rules))
    assert done.returncode == 2
    assert "rule 1 pattern:" in done.stderr
