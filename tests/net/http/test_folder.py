"""Serve-folder mode: files, listings, and nothing from outside the folder.

Fault catalogue: tests/hardening/catalogue.md rows 20-22.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.net.http.config import ServeMode
from app.net.http.folder import INLINE_FILE_LIMIT
from tests.net.http.test_harness import RunningServer, read_until_close, running_server

SECRET = b"TOP-SECRET-CONTENT"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "index.html").write_bytes(b"<h1>home</h1>")
    (root / "style.css").write_bytes(b"body{}")
    (root / "app.js").write_bytes(b"1;")
    (root / "data.bin").write_bytes(b"\x00\x01")
    (root / "sub" / "page.html").write_bytes(b"sub page")
    (root / "docs" / "<img src=x onerror=1>").write_bytes(b"x")
    (root / "docs" / "café.txt").write_bytes(b"cafe")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    if hasattr(os, "symlink"):
        (root / "out").symlink_to(tmp_path / "secret.txt")
        (root / "outdir").symlink_to(tmp_path, target_is_directory=True)
    return root


@pytest.fixture
def http_server(site: Path) -> Iterator[RunningServer]:
    for server in running_server():
        server.configure(mode=ServeMode.FOLDER, folder=str(site))
        yield server


def raw_get(server: RunningServer, target: bytes, method: bytes = b"GET") -> bytes:
    return server.raw(method + b" " + target + b" HTTP/1.1\r\nConnection: close\r\n\r\n")


def test_files_with_content_types_and_index_html(http_server: RunningServer) -> None:
    expected = {
        "/": ("text/html; charset=utf-8", b"<h1>home</h1>"),
        "/style.css": ("text/css", b"body{}"),
        "/app.js": ("text/javascript", b"1;"),
        "/data.bin": ("application/octet-stream", b"\x00\x01"),
        "/sub/page.html": ("text/html; charset=utf-8", b"sub page"),
        "/docs/caf%C3%A9.txt": ("text/plain; charset=utf-8", b"cafe"),
    }
    for path, (content_type, body) in expected.items():
        status, headers, got = http_server.request("GET", path)
        assert (status, headers["Content-Type"], got) == (200, content_type, body), path
        assert headers["Content-Length"] == str(len(body))


def test_head_sends_headers_only(http_server: RunningServer) -> None:
    status, headers, body = http_server.request("HEAD", "/style.css")
    assert (status, headers["Content-Length"], body) == (200, "6", b"")


def test_listing_escapes_names(http_server: RunningServer) -> None:
    status, headers, body = http_server.request("GET", "/docs/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<img src=x" not in body
    assert b"&lt;img src=x onerror=1&gt;" in body
    assert b'href="%3Cimg%20src%3Dx%20onerror%3D1%3E"' in body
    assert "café.txt".encode() in body


def test_folder_without_slash_redirects(http_server: RunningServer) -> None:
    status, headers, _ = http_server.request("GET", "/sub?x=1")
    assert (status, headers["Location"]) == (301, "/sub/?x=1")


@pytest.mark.parametrize(
    "target",
    [
        b"/../secret.txt",
        b"/sub/../../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E%2Fsecret.txt",
        b"/..%2fsecret.txt",
        b"/..%5csecret.txt",
        b"/..\\secret.txt",
        b"/sub/%2e%2e/%2e%2e/secret.txt",
        b"//etc/passwd",
        b"/%2Fetc%2Fpasswd",
        b"/out",
        b"/outdir/secret.txt",
        b"http://host/../secret.txt",
        b"/%00secret.txt",
    ],
)
def test_nothing_outside_the_folder_is_served(http_server: RunningServer, target: bytes) -> None:
    if b"out" in target and not hasattr(os, "symlink"):
        pytest.skip("no symlinks here")
    reply = raw_get(http_server, target)
    assert reply.split(b" ")[1] in (b"403", b"404", b"400"), reply[:60]
    assert SECRET not in reply and b"root:" not in reply


@pytest.mark.parametrize("target", [b"//evil.example/..", b"/\\evil.example/..", b"//evil/sub"])
def test_no_open_redirect(http_server: RunningServer, target: bytes) -> None:
    reply = raw_get(http_server, target)
    for line in reply.split(b"\r\n"):
        if line.lower().startswith(b"location:"):
            location = line.split(b":", 1)[1].strip()
            assert not location.startswith((b"//", b"/\\")), location


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"DELETE", b"BREW"])
def test_other_methods_are_405(http_server: RunningServer, method: bytes) -> None:
    reply = raw_get(http_server, b"/", method)
    assert reply.startswith(b"HTTP/1.1 405 Method Not Allowed\r\n")
    assert b"\r\nAllow: GET, HEAD\r\n" in reply


def test_large_files_stream_whole(http_server: RunningServer, site: Path) -> None:
    data = os.urandom(1024) * (INLINE_FILE_LIMIT // 1024 * 3)
    (site / "big.bin").write_bytes(data)
    with socket.create_connection(("127.0.0.1", http_server.port), timeout=10) as sock:
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nConnection: close\r\n\r\n")
        reply = read_until_close(sock)
    head, body = reply.split(b"\r\n\r\n", 1)
    assert b"Content-Length: %d" % len(data) in head
    assert body == data
    http_server.wait_for_message(r"^GET /big.bin → 200")


def test_missing_folder_or_file_is_404(http_server: RunningServer) -> None:
    assert http_server.request("GET", "/nope.html")[0] == 404
    http_server.wait_for_message("^GET /nope.html → 404, .*: No such file")
