"""RequestParser without a socket: every tests/http_requests case fed whole, one byte at a
time and with trailing bytes, must give the outcome its `# expect:` line names.

The socket-free outcome is what the connection does with the parser: each request is
answered by the handler (default configuration), an HttpError is the refusal, a request
left incomplete is the 408 the deadline would send, and a reply without keep-alive ends
the connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from app.net.http.config import ResponseConfig, ServerLimits
from app.net.http.handler import answer
from app.net.http.request import CONTINUE, RECV_SIZE, HttpError, Request, RequestParser
from tests.net.http.test_replay import CASES, load

NEXT_REQUEST = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"


class Outcome(NamedTuple):
    statuses: list[int]
    keeps_open: bool
    requests: list[Request]
    error: HttpError | None


def run(pieces: Iterable[bytes], limits: ServerLimits | None = None) -> Outcome:
    """Feeds `pieces` in order as a connection would and collects what came out."""
    parser = RequestParser(limits or ServerLimits())
    statuses: list[int] = []
    requests: list[Request] = []
    for piece in pieces:
        parser.feed(piece)
        while True:
            try:
                request = parser.next_request()
            except HttpError as exc:
                return Outcome([*statuses, exc.status], False, requests, exc)
            if request is None:
                break
            requests.append(request)
            reply = answer(request, ResponseConfig(), "127.0.0.1:1")
            statuses.append(reply.status)
            if not reply.keep_alive:
                return Outcome(statuses, False, requests, None)
    if parser.busy:
        return Outcome([*statuses, 408], False, requests, None)
    return Outcome(statuses, True, requests, None)


def one_byte_at_a_time(raw: bytes) -> Iterator[bytes]:
    return (raw[i : i + 1] for i in range(len(raw)))


def summary(outcome: Outcome) -> tuple[object, ...]:
    requests = [(r.method, r.target, r.version, r.headers, r.body) for r in outcome.requests]
    return outcome.statuses, outcome.keeps_open, requests


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_whole_byte_by_byte_and_with_trailing_bytes(path: Path) -> None:
    statuses, keeps_open, raw = load(path)
    whole = run([raw])
    assert (whole.statuses, whole.keeps_open) == (statuses, keeps_open), whole.error
    assert summary(run(one_byte_at_a_time(raw))) == summary(whole)
    with_next = run([raw + NEXT_REQUEST])
    if statuses[-1] == 408:
        # The next request's bytes would complete what was waiting: only what came
        # before the waiting request must be the same.
        assert with_next.statuses[: len(statuses) - 1] == statuses[:-1]
    elif keeps_open:
        assert with_next.statuses == [*statuses, 200]
        assert with_next.requests[-1].target == "/next"
        assert summary(run(one_byte_at_a_time(raw + NEXT_REQUEST))) == summary(with_next)
    else:
        assert summary(with_next) == summary(whole)
        garbage = run([raw + b"\x00garbage\r\n\r\n"])
        assert summary(garbage) == summary(whole)


def test_refusals_say_what_the_client_did_wrong() -> None:
    reasons = {
        b"GET foo/bar HTTP/1.1\r\n\r\n": "neither a /path nor an absolute URL",
        b"GET * HTTP/1.1\r\n\r\n": "only valid for OPTIONS",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n": "More than one Host",
        b"GET / HTTP/1.1\r\nX: a\x07\r\n\r\n": "Control character '\\x07'",
        b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n": "A list as Content-Length",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\nx": "bare LF",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\n": "Whitespace around",
    }
    for raw, reason in reasons.items():
        outcome = run([raw])
        assert outcome.error is not None and outcome.error.status == 400, raw
        assert reason in outcome.error.reason, (raw, outcome.error.reason)


def test_a_content_length_of_5000_digits_is_413_not_an_exception() -> None:
    raw = b"POST / HTTP/1.1\r\nContent-Length: " + b"1" * 5000 + b"\r\n\r\n"
    outcome = run([raw])
    assert outcome.error is not None and outcome.error.status == 413
    assert "5,000 digits" in outcome.error.reason
    zeros = b"POST / HTTP/1.1\r\nContent-Length: " + b"0" * 5000 + b"2\r\n\r\nok"
    assert run([zeros]).requests[0].body == b"ok"


def test_the_head_and_the_waiting_state_are_reported() -> None:
    parser = RequestParser(ServerLimits())
    assert not parser.busy
    parser.feed(b"\r\n")
    assert not parser.busy, "a stray CRLF alone is not a request"
    parser.feed(b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert parser.next_request() is None
    assert parser.busy and parser.reading_body
    assert parser.take_continue() and not parser.take_continue()
    assert parser.received_head().startswith(b"POST /x HTTP/1.1")
    parser.feed(b"abc")
    request = parser.next_request()
    assert request is not None and request.body == b"abc" and request.header("content-length")
    assert not parser.busy and not parser.reading_body
    assert CONTINUE.startswith(b"HTTP/1.1 100") and RECV_SIZE > 0


def test_no_continue_when_the_body_came_with_the_head() -> None:
    parser = RequestParser(ServerLimits())
    parser.feed(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nh")
    assert parser.next_request() is None
    assert not parser.take_continue()


def test_an_error_keeps_the_head_for_the_log() -> None:
    parser = RequestParser(ServerLimits())
    parser.feed(b"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
    with pytest.raises(HttpError) as caught:
        parser.next_request()
    assert caught.value.status == 400
    assert parser.received_head() == b"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"


def test_limits_apply_to_the_parts_of_the_head() -> None:
    limits = ServerLimits(max_request_line=20, max_header_line=30, max_headers=2)
    assert run([b"GET /" + b"a" * 20 + b" HTTP/1.1\r\n\r\n"], limits).statuses == [414]
    assert run([b"GET /" + b"a" * 30], limits).statuses == [414], "refused before the LF"
    assert run([b"GET / HTTP/1.1\r\nX: " + b"v" * 30 + b"\r\n\r\n"], limits).statuses == [431]
    assert run([b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"], limits).statuses == [431]
    assert run([b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"], ServerLimits(max_body=10))[
        0
    ] == [413]


def test_a_repeated_head_parses_the_same_and_keeps_per_request_state() -> None:
    # The second copy of each head comes from the parsed-head cache.
    post = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"
    outcome = run([post + b"abc" + post + b"xyz" + NEXT_REQUEST + NEXT_REQUEST])
    assert [r.body for r in outcome.requests] == [b"abc", b"xyz", b"", b""]
    assert [r.target for r in outcome.requests] == ["/p", "/p", "/next", "/next"]
    assert outcome.requests[0].headers == outcome.requests[1].headers


def test_a_cached_head_still_meets_smaller_limits() -> None:
    long_head = b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert len(run([long_head]).requests) == 1
    small = ServerLimits(max_request_line=100)
    outcome = run([long_head], small)
    assert outcome.requests == [] and outcome.error is not None
    assert outcome.error.status == 414
