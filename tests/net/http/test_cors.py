"""The CORS option on loopback: preflights get 204 with the Allow headers, answers the origin."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.http.config import ResponseConfig, ServeMode
from app.net.http.routes import compile_routes
from tests.net.http.test_harness import RunningServer, running_server

ORIGIN = "http://localhost:5173"


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


def test_a_preflight_gets_204_with_the_allow_headers(http_server: RunningServer) -> None:
    http_server.configure(cors=True)
    status, headers, body = http_server.request(
        "OPTIONS",
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type, x-token",
        },
    )
    assert (status, body) == (204, b"")
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "content-type, x-token"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in headers["Vary"]
    assert headers["Content-Length"] is None  # 204 carries no body and no length
    http_server.wait_for_message(r"^OPTIONS /api/items → 204, .*: CORS preflight$")


def test_without_the_option_a_preflight_is_an_ordinary_request(http_server: RunningServer) -> None:
    status, headers, body = http_server.request(
        "OPTIONS", "/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert (status, body) == (200, b"Hello, client!")
    assert headers["Access-Control-Allow-Origin"] is None


def test_an_options_request_that_is_not_a_preflight_is_answered_as_usual(
    http_server: RunningServer,
) -> None:
    http_server.configure(cors=True)
    status, headers, body = http_server.request("OPTIONS", "/", headers={"Origin": ORIGIN})
    assert (status, body) == (200, b"Hello, client!")
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_chromium_private_network_access_is_allowed(http_server: RunningServer) -> None:
    http_server.configure(cors=True)
    _, headers, _ = http_server.request(
        "OPTIONS",
        "/",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert headers["Access-Control-Allow-Private-Network"] == "true"


@pytest.mark.parametrize("mode", list(ServeMode))
def test_every_answer_in_every_mode_carries_allow_origin(
    http_server: RunningServer, mode: ServeMode, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<p>hi</p>")
    table = compile_routes([["GET", "/routed", "200", "text/plain", "routed", "0", "None"]]).table
    http_server.server.set_config(
        ResponseConfig(mode=mode, folder=str(tmp_path), routes=table, cors=True)
    )
    path = "/routed" if mode is ServeMode.ROUTES else "/"
    status, headers, _ = http_server.request("GET", path, headers={"Origin": ORIGIN})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
    # No Origin (curl, a script): the wildcard.
    _, headers, _ = http_server.request("GET", path)
    assert headers["Access-Control-Allow-Origin"] == "*"
    # An error answer carries it too.
    status, headers, _ = http_server.request("BREW", path, headers={"Origin": ORIGIN})
    assert status in (405, 501) and headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_preflight_comes_before_the_routes(http_server: RunningServer) -> None:
    table = compile_routes([["ANY", "/*", "418", "text/plain", "teapot", "0", "None"]]).table
    http_server.server.set_config(ResponseConfig(mode=ServeMode.ROUTES, routes=table, cors=True))
    status, _, _ = http_server.request(
        "OPTIONS", "/x", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
    )
    assert status == 204
    status, headers, _ = http_server.request("DELETE", "/x", headers={"Origin": ORIGIN})
    assert status == 418 and headers["Access-Control-Allow-Origin"] == ORIGIN


def test_curl_preflight(http_server: RunningServer) -> None:
    curl = shutil.which("curl")
    assert curl is not None
    http_server.configure(cors=True)
    done = subprocess.run(
        [
            curl,
            "-s",
            "-i",
            "-X",
            "OPTIONS",
            "-H",
            f"Origin: {ORIGIN}",
            "-H",
            "Access-Control-Request-Method: POST",
            f"http://127.0.0.1:{http_server.port}/submit",
        ],
        capture_output=True,
        timeout=20,
        check=True,
    )
    assert done.stdout.startswith(b"HTTP/1.1 204 No Content\r\n")
    assert f"Access-Control-Allow-Origin: {ORIGIN}\r\n".encode() in done.stdout
