"""Replays every raw request in tests/http_requests/ and checks the expected outcome."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.net.http.test_harness import (
    RunningServer,
    read_responses,
    read_until_close,
    running_server,
)

REQUESTS = Path(__file__).resolve().parents[2] / "http_requests"
CASES = sorted(REQUESTS.glob("*.http"))


def load(path: Path) -> tuple[list[int], bool, bytes]:
    """(expected statuses, stays open, raw bytes) from one .http file."""
    statuses: list[int] = []
    keeps_open = False
    body_lines: list[str] = []
    for line in path.read_text(encoding="ascii").splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(":")
            if key == "expect":
                *codes, connection = value.split()
                statuses = [int(code) for code in codes]
                assert connection in ("open", "close"), path
                keeps_open = connection == "open"
            continue
        body_lines.append(line)
    raw = "".join(body_lines).encode("latin-1").decode("unicode_escape").encode("latin-1")
    assert statuses, f"{path.name} has no '# expect:' line"
    return statuses, keeps_open, raw


@pytest.fixture(scope="module")
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def test_the_folder_holds_valid_and_invalid_cases() -> None:
    names = [p.name for p in CASES]
    assert sum(n.startswith("valid_") for n in names) >= 10
    assert sum(n.startswith("invalid_") for n in names) >= 15


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_replay(http_server: RunningServer, path: Path) -> None:
    statuses, keeps_open, raw = load(path)
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        try:
            sock.sendall(raw)
        except OSError:
            pass  # refused and closed before everything was sent
        assert read_responses(sock, len(statuses)) == statuses
        if keeps_open:
            sock.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_responses(sock, 1) == [200]
        else:
            assert read_until_close(sock) == b""
    # The server keeps serving others.
    assert http_server.request("GET", "/")[0] == 200
