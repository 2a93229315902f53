"""The answer to one parsed request, decided without a socket (fixed, echo, folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.net.http.config import ResponseConfig, ServeMode, ServerLimits
from app.net.http.folder import INLINE_FILE_LIMIT
from app.net.http.handler import KNOWN_METHODS, answer
from app.net.http.request import Request, RequestParser

PEER = "127.0.0.1:4321"
ECHO = ResponseConfig(mode=ServeMode.ECHO)


def parse(raw: bytes) -> Request:
    parser = RequestParser(ServerLimits())
    parser.feed(raw)
    request = parser.next_request()
    assert request is not None
    return request


def split(data: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line, headers, body


@pytest.mark.parametrize("method", sorted(KNOWN_METHODS))
def test_every_method_is_answered_and_head_has_no_body(method: str) -> None:
    raw = f"{method} /x HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    reply = answer(parse(raw), ResponseConfig(), PEER)
    status_line, headers, body = split(reply.data)
    assert (reply.status, status_line, reply.keep_alive) == (200, "HTTP/1.1 200 OK", True)
    assert headers["Content-Length"] == "14"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (b"" if method == "HEAD" else b"Hello, client!")


def test_an_unknown_method_is_501_with_the_reason_noted() -> None:
    reply = answer(parse(b"BREW /pot HTTP/1.1\r\n\r\n"), ResponseConfig(), PEER)
    assert (reply.status, reply.note) == (501, "BREW is not implemented")
    assert reply.data.startswith(b"HTTP/1.1 501 Not Implemented\r\n")


def test_the_fixed_answer_follows_the_configuration() -> None:
    config = ResponseConfig(
        status=404, content_type="text/plain", headers=(("X-Test", "yes"),), body="nope ✓".encode()
    )
    status_line, headers, body = split(answer(parse(b"GET / HTTP/1.1\r\n\r\n"), config, PEER).data)
    assert status_line == "HTTP/1.1 404 Not Found"
    assert (headers["X-Test"], headers["Content-Type"]) == ("yes", "text/plain")
    assert body == "nope ✓".encode()


def test_http_1_0_keep_alive_is_said_back_and_close_is_kept() -> None:
    raw = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    kept = answer(parse(raw), ResponseConfig(), PEER)
    assert kept.keep_alive and split(kept.data)[1]["Connection"] == "keep-alive"
    plain = answer(parse(b"GET / HTTP/1.0\r\n\r\n"), ResponseConfig(), PEER)
    assert not plain.keep_alive
    closing = answer(parse(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), ResponseConfig(), PEER)
    assert not closing.keep_alive


def test_an_interim_status_as_the_final_answer_ends_the_connection() -> None:
    reply = answer(parse(b"GET / HTTP/1.1\r\n\r\n"), ResponseConfig(status=102), PEER)
    assert (reply.status, reply.keep_alive) == (102, False)


def test_echo_returns_the_request_as_json() -> None:
    raw = b"POST /path?a=1&a=2&b= HTTP/1.1\r\nX-Name: v\r\nX-Name: w\r\nContent-Length: 2\r\n\r\n"
    reply = answer(parse(raw + "é".encode()), ECHO, PEER)
    _, headers, body = split(reply.data)
    assert reply.status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    assert doc["method"] == "POST" and doc["path"] == "/path"
    assert doc["query"] == {"a": ["1", "2"], "b": [""]}
    assert doc["http_version"] == "HTTP/1.1"
    assert doc["headers"]["X-Name"] == "v, w"  # repeated headers joined, as RFC 9110 allows
    assert doc["client"] == PEER
    assert (doc["body"], doc["body_base64"], doc["body_length"]) == ("é", False, 2)


def test_echo_sends_binary_bodies_as_base64_and_keeps_non_ascii_bytes() -> None:
    raw = (
        b"PUT /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\nX-Latin: \xe9t\xe9\r\n"
        b"Content-Length: 3\r\n\r\n\xff\x00\xfe"
    )
    doc = json.loads(split(answer(parse(raw), ECHO, PEER).data)[2])
    assert doc["path"] == "/café"
    # Bytes that are not UTF-8 survive as visible \xNN escapes.
    assert doc["headers"]["X-Latin"] == "\\xe9t\\xe9"
    assert (doc["body"], doc["body_base64"], doc["body_length"]) == ("/wD+", True, 3)


def test_echo_of_head_has_the_length_but_no_body() -> None:
    reply = answer(parse(b"HEAD /h HTTP/1.1\r\n\r\n"), ECHO, PEER)
    _, headers, body = split(reply.data)
    assert body == b"" and int(headers["Content-Length"]) > 0


def test_echo_refuses_an_unknown_method_too() -> None:
    assert answer(parse(b"BREW / HTTP/1.1\r\n\r\n"), ECHO, PEER).status == 501


def test_a_big_folder_file_comes_as_a_head_and_an_open_file(tmp_path: Path) -> None:
    size = INLINE_FILE_LIMIT + 1
    (tmp_path / "big.bin").write_bytes(b"z" * size)
    config = ResponseConfig(mode=ServeMode.FOLDER, folder=str(tmp_path))
    reply = answer(parse(b"GET /big.bin HTTP/1.1\r\n\r\n"), config, PEER)
    assert reply.file is not None
    try:
        status_line, headers, body = split(reply.data)
        assert (status_line, headers["Content-Length"], body) == ("HTTP/1.1 200 OK", str(size), b"")
        assert (reply.file_size, len(reply.file.read())) == (size, size)
    finally:
        reply.file.close()
    # HEAD: the same head, and no file left open.
    head = answer(parse(b"HEAD /big.bin HTTP/1.1\r\n\r\n"), config, PEER)
    assert head.file is None and split(head.data)[1]["Content-Length"] == str(size)
    # A small file is answered whole.
    (tmp_path / "a.txt").write_bytes(b"file body")
    small = answer(parse(b"GET /a.txt HTTP/1.1\r\n\r\n"), config, PEER)
    assert small.file is None and split(small.data)[2] == b"file body"


def test_a_folder_miss_and_a_missing_folder_are_answered(tmp_path: Path) -> None:
    config = ResponseConfig(mode=ServeMode.FOLDER, folder=str(tmp_path))
    miss = answer(parse(b"GET /nothing HTTP/1.1\r\n\r\n"), config, PEER)
    assert miss.status == 404 and miss.file is None
    gone = ResponseConfig(mode=ServeMode.FOLDER, folder=str(tmp_path / "gone"))
    reply = answer(parse(b"GET /x HTTP/1.1\r\n\r\n"), gone, PEER)
    assert reply.status in (404, 500) and reply.file is None


def test_the_built_fixed_answer_is_reused_only_while_nothing_it_depends_on_changes() -> None:
    get, head = parse(b"GET / HTTP/1.1\r\n\r\n"), parse(b"HEAD / HTTP/1.1\r\n\r\n")
    old = parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    config = ResponseConfig(body=b"one")
    first = answer(get, config, PEER).data
    assert answer(get, config, PEER).data is first  # built once, not per request
    assert split(answer(head, config, PEER).data)[2] == b""
    assert split(answer(old, config, PEER).data)[1]["Connection"] == "keep-alive"
    assert "Connection" not in split(answer(get, config, PEER).data)[1]
    edited = config._replace(body=b"two")  # an edit is a new configuration
    assert split(answer(get, edited, PEER).data)[2] == b"two"
    assert split(answer(get, config, PEER).data)[2] == b"one"
