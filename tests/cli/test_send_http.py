"""`send http URL` against `python -m http.server` and the app's own `serve http --echo`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cli_process import CliProcess, run_cli
from tests.peers import free_port

PAGE = b"<h1>Hello, client!</h1>\n"


def _wait_listening(port: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "http.server ended"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)  # a bounded poll of a real condition: the port accepting
    raise AssertionError("http.server did not start")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`python -m http.server` over a folder with a page and a subfolder."""
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "page.html").write_bytes(PAGE)
    (root / "docs" / "index.html").write_bytes(b"the docs\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, process)
        yield f"http://127.0.0.1:{port}", root
    finally:
        process.kill()
        process.wait(10)


def test_the_body_goes_to_stdout_exactly(site: tuple[str, Path]) -> None:
    url, _ = site
    done = run_cli("send", "http", f"{url}/page.html")
    assert done.returncode == 0, done.stderr
    assert done.stdout == PAGE.decode()


def test_include_head_and_timing(site: tuple[str, Path]) -> None:
    url, _ = site
    done = run_cli("send", "http", f"{url}/page.html", "-i", "--timing")
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.0 200 OK\r\n") and "Content-Length: 24" in head
    assert body == PAGE.decode()
    timing = next(line for line in done.stderr.splitlines() if "timing:" in line)
    assert "DNS — · connect " in timing and " · TLS — · first byte " in timing
    assert " · total " in timing


def test_a_404_is_exit_0_and_22_with_fail(site: tuple[str, Path]) -> None:
    url, _ = site
    assert run_cli("send", "http", f"{url}/missing").returncode == 0
    failed = run_cli("send", "http", f"{url}/missing", "--fail")
    assert failed.returncode == 22
    assert "failed: HTTP 404" in failed.stderr


def test_a_redirect_is_reported_or_followed_with_location(site: tuple[str, Path]) -> None:
    url, _ = site
    # http.server redirects a folder without its slash: 301 to /docs/.
    plain = run_cli("send", "http", f"{url}/docs", "--json")
    assert plain.returncode == 0, plain.stderr
    response = json.loads(plain.stdout.splitlines()[0])["response"]
    assert response["status"] == 301 and response["redirects"] == []
    followed = run_cli("send", "http", f"{url}/docs", "-L", "--json")
    assert followed.returncode == 0, followed.stderr
    lines = [json.loads(line) for line in followed.stdout.splitlines()]
    response = lines[0]["response"]
    assert response["status"] == 200 and response["body_text"] == "the docs\n"
    assert response["url"] == f"{url}/docs/"
    assert response["redirects"] == [f"{url}/docs/"]
    assert lines[-1]["summary"]["status"] == 200


def test_body_to_a_file_with_o(site: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = site
    out = tmp_path / "page.html"
    done = run_cli("send", "http", f"{url}/page.html", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and out.read_bytes() == PAGE


def test_count_repeats_the_request_and_prints_the_round_trips(site: tuple[str, Path]) -> None:
    url, _ = site
    done = run_cli("send", "http", f"{url}/page.html", "--count", "5", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["response"]["status"] for line in lines[:-1]] == [200] * 5
    summary: dict[str, Any] = lines[-1]["summary"]
    assert (summary["requests"], summary["failed"]) == (5, 0)
    trips = summary["round_trips"]
    assert (trips["replies"], trips["lost"]) == (5, 0) and trips["median_ms"] > 0
    text = run_cli("send", "http", f"{url}/page.html", "--count", "3", "--interval", "10")
    assert text.returncode == 0, text.stderr
    assert text.stdout == PAGE.decode()  # the last response's body, once
    assert "round trips: 3 replies · min " in text.stderr


def test_count_reuses_the_kept_alive_connection() -> None:
    port = free_port()
    server = CliProcess("serve", "http", str(port), "--quiet")
    try:
        _wait_listening(port, server.process)
        done = run_cli("send", "http", f"http://127.0.0.1:{port}/", "--count", "3", "--json")
        assert done.returncode == 0, done.stderr
        responses = [json.loads(line)["response"] for line in done.stdout.splitlines()[:-1]]
        assert [r["body_text"] for r in responses] == ["Hello, client!"] * 3
        assert [r["reused"] for r in responses] == [False, True, True]
        assert responses[1]["timing_ms"]["connect_ms"] is None  # no new connection
    finally:
        server.close()


def test_a_refused_connection_is_exit_1_naming_the_phase() -> None:
    done = run_cli("send", "http", f"http://127.0.0.1:{free_port()}/")
    assert done.returncode == 1
    assert "while connecting: Connection refused" in done.stderr
    assert done.stdout == ""


def test_method_headers_and_data_reach_the_server(tmp_path: Path) -> None:
    port = free_port()
    server = CliProcess("serve", "http", str(port), "--echo", "--quiet")
    try:
        # --quiet prints nothing until the end: wait for the port itself.
        _wait_listening(port, server.process)
        body = tmp_path / "body.bin"
        body.write_bytes(b"from a file")
        url = f"http://127.0.0.1:{port}/things?x=1"
        posted = run_cli("send", "http", url, "-H", "X-Test: yes", "-d", "n={{counter}}")
        assert posted.returncode == 0, posted.stderr
        echoed = json.loads(posted.stdout)
        assert echoed["method"] == "POST"  # -d without -X, as curl
        assert "n=1" in json.dumps(echoed) and "X-Test" in json.dumps(echoed)
        put = run_cli("send", "http", url, "-X", "PUT", "-d", f"@{body}")
        assert put.returncode == 0, put.stderr
        assert json.loads(put.stdout)["method"] == "PUT"
        assert "from a file" in put.stdout
    finally:
        server.close()


def test_bad_http_arguments_are_usage_errors() -> None:
    for args, reason in (
        (["ftp://127.0.0.1/"], "must start with http://"),
        (["http://127.0.0.1/", "-H", "no colon"], "-H takes 'Name: value'"),
        (["http://127.0.0.1/", "--timeout", "0"], "--timeout must be"),
    ):
        done = run_cli("send", "http", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert reason in done.stderr


def test_send_http_help_has_examples_and_exit_codes() -> None:
    done = run_cli("send", "http", "--help")
    assert done.returncode == 0
    for text in ("-X METHOD", "-L, --location", "--timing", "--fail", "exit codes:", "22"):
        assert text in done.stdout
