"""The request head: the person's headers in order and case, plus what HTTP needs."""

from __future__ import annotations

import pytest

from app.net.http.client.request_head import (
    EXPECT_CONTINUE_OVER,
    USER_AGENT,
    build_head,
    check_request,
)
from app.net.http.client.target import parse_target

TARGET = parse_target("http://127.0.0.1:8000/p?q=1")


def lines(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n\r\n")
    return data.decode("latin-1").split("\r\n")[:-2]


def test_a_plain_get_gets_host_user_agent_and_accept_encoding() -> None:
    head = build_head("GET", TARGET, (), 0)
    assert lines(head.data) == [
        "GET /p?q=1 HTTP/1.1",
        "Host: 127.0.0.1:8000",
        f"User-Agent: {USER_AGENT}",
        "Accept-Encoding: gzip, deflate",
    ]
    assert USER_AGENT.startswith("socket-tester/")
    assert head.keep_alive and not head.expect_continue


def test_the_persons_headers_keep_order_and_case_and_replace_defaults() -> None:
    given = (("x-b", "2"), ("X-A", "1"), ("user-AGENT", "me"), ("HOST", "virtual.test"))
    head = build_head("GET", TARGET, given, 0)
    assert lines(head.data)[1:] == [
        "x-b: 2",
        "X-A: 1",
        "user-AGENT: me",
        "HOST: virtual.test",
        "Accept-Encoding: gzip, deflate",
    ]


@pytest.mark.parametrize(
    ("method", "size", "length"),
    [("POST", 0, "0"), ("PUT", 3, "3"), ("PATCH", 0, "0"), ("DELETE", 5, "5"), ("GET", 0, None)],
)
def test_content_length(method: str, size: int, length: str | None) -> None:
    head = lines(build_head(method, TARGET, (), size).data)
    found = [line.split(": ")[1] for line in head if line.startswith("Content-Length")]
    assert found == ([length] if length else [])


def test_a_given_framing_header_is_left_alone() -> None:
    head = lines(build_head("POST", TARGET, (("Transfer-Encoding", "chunked"),), 10).data)
    assert not any(line.startswith("Content-Length") for line in head)


def test_a_body_over_a_mebibyte_expects_100_continue() -> None:
    small = build_head("POST", TARGET, (), EXPECT_CONTINUE_OVER)
    large = build_head("POST", TARGET, (), EXPECT_CONTINUE_OVER + 1)
    assert not small.expect_continue and b"Expect" not in small.data
    assert large.expect_continue and lines(large.data)[-1] == "Expect: 100-continue"
    own = build_head("POST", TARGET, (("expect", "100-Continue"),), 10)
    assert own.expect_continue and own.data.count(b"xpect") == 1


def test_connection_close_from_the_person_is_not_kept_alive() -> None:
    assert not build_head("GET", TARGET, (("Connection", "Upgrade, close"),), 0).keep_alive


@pytest.mark.parametrize(
    ("method", "headers", "reason"),
    [
        ("GET", (), ""),
        ("G ET", (), "method"),
        ("GET", (("", "x"),), "header name"),
        ("GET", (("X", "a\nb"),), "control character"),
        ("GET", (("X", "snow ☃"),), "Latin-1"),
        ("GET", (("X", "tab\tis fine"),), ""),
    ],
)
def test_check_request(method: str, headers: tuple[tuple[str, str], ...], reason: str) -> None:
    found = check_request(method, headers)
    assert (reason in found) if reason else found == ""
