"""Differential tests: our request parser against h11 and httptools (llhttp) as oracles.

Every tests/http_requests case and the fuzz generator's requests go through all three.
The rules:
- ours never accepts a request that BOTH oracles refuse (where they disagree, ours may
  take either side; where ours is stricter than both, that is fine);
- where ours accepts a request, its target and body are those of an oracle that accepted
  it too, so the three never disagree about where a message ends;
- ours never answers 500 and never raises anything but HttpError.

Deliberate divergences. Where an oracle refuses a request for one of these reasons alone,
its verdict on that request and the rest of the connection does not count (`ABSTAINS`):
- h11 refuses an HTTP/1.1 request without Host; ours accepts it (netcat users, and the
  tab is a tester; llhttp accepts it too).
- llhttp refuses a method outside its fixed list; ours reads any token as a method
  (RFC 9110 §9.1) and the handler answers 501, keeping the connection.
- llhttp refuses bare LF line ends in the head; ours accepts them there (RFC 9112 §2.2,
  tests/http_requests/valid_bare_lf.http; h11 accepts them too), never in chunked framing.
- Both refuse raw bytes above 0x7F in the target; ours keeps them (valid_non_ascii.http)
  so the log shows exactly what a client sent.
Where ours is stricter than both (no rule needed): targets (origin, absolute, authority
only for CONNECT, `*` only for OPTIONS), a Host that is not host[:port], `Content-Length:
5, 5` (h11 takes it), whitespace anywhere in a chunk line including the BWS the chunk-ext
grammar allows (no client sends it; it is the whitespace-around-size smuggling shape) and
the fields RFC 9110 §6.5.1 keeps out of a trailer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import h11
import httptools
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.net.http.config import ServerLimits
from app.net.http.request import Request
from tests.hardening.test_http_fuzz import one_request
from tests.net.http.test_replay import CASES, load
from tests.net.http.test_request import Outcome, run

LIMITS = ServerLimits()
Message = tuple[bytes, bytes]  # (target, body)


class OracleResult(NamedTuple):
    messages: list[Message]
    refused_at: int | None = None  # the index of the message the oracle refused
    reason: str = ""


def _has_bare_lf(head: bytes) -> bool:
    return re.search(rb"(?<!\r)\n", head) is not None


# (oracle, why it refused, does this request of ours explain it) for each divergence above.
ABSTAINS: list[tuple[str, str, Callable[[Request], bool]]] = [
    ("h11", "Missing mandatory Host", lambda r: r.header("host") is None),
    ("h11", "illegal request line", lambda r: not r.target.isascii()),
    ("httptools", "Invalid method", lambda r: True),
    *[
        ("httptools", why, lambda r: _has_bare_lf(r.head))
        for why in ("Expected CRLF", "Missing expected CR", "Invalid header field char")
    ],
    ("httptools", "url", lambda r: not r.target.isascii()),
]


def through_h11(raw: bytes) -> OracleResult:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=LIMITS.max_header_block + 8192)
    conn.receive_data(raw)
    messages: list[Message] = []
    target, body = b"", b""
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            return OracleResult(messages, len(messages), str(exc))
        if event is h11.NEED_DATA:
            return OracleResult(messages)
        if isinstance(event, h11.Request):
            target, body = event.target, b""
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            messages.append((target, body))
        elif event is h11.PAUSED:
            try:
                conn.send(h11.Response(status_code=204, headers=[]))
                conn.send(h11.EndOfMessage())
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return OracleResult(messages)  # the connection ends here
        else:
            return OracleResult(messages)


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.target = b""
        self.body = b""

    def on_message_begin(self) -> None:
        self.target, self.body = b"", b""

    def on_url(self, url: bytes) -> None:
        self.target += url

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.messages.append((self.target, self.body))


def through_httptools(raw: bytes) -> OracleResult:
    collector = _Collector()
    parser = httptools.HttpRequestParser(collector)
    try:
        parser.feed_data(raw)
    except httptools.HttpParserUpgrade:
        pass  # CONNECT or Upgrade: what follows is not HTTP
    except httptools.HttpParserError as exc:
        return OracleResult(collector.messages, len(collector.messages), str(exc))
    return OracleResult(collector.messages)


def verdict(name: str, oracle: OracleResult, ours: list[Request]) -> OracleResult:
    """The oracle's result, with a refusal explained by a deliberate divergence dropped."""
    at = oracle.refused_at
    if at is None or at >= len(ours):
        return oracle
    for who, why, explains in ABSTAINS:
        if who == name and why.lower() in oracle.reason.lower() and explains(ours[at]):
            return OracleResult(oracle.messages[:at])
    return oracle


def refuses(oracle: OracleResult, index: int) -> bool:
    return oracle.refused_at is not None and oracle.refused_at <= index


def check_against_oracles(raw: bytes, ours: Outcome) -> None:
    assert 500 not in ours.statuses, ours.error
    results = {"h11": through_h11(raw), "httptools": through_httptools(raw)}
    oracles = {name: verdict(name, result, ours.requests) for name, result in results.items()}
    for index, request in enumerate(ours.requests):
        message = (request.target.encode("latin-1"), request.body)
        accepting = {
            name: oracle.messages[index]
            for name, oracle in oracles.items()
            if not refuses(oracle, index) and index < len(oracle.messages)
        }
        assert not all(refuses(oracle, index) for oracle in oracles.values()), (
            f"request {index} accepted by us, refused by both oracles: {raw[:300]!r}"
        )
        if accepting:
            assert message in accepting.values(), (
                f"request {index} framed as {message!r}, the oracles say {accepting!r}"
            )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_against_the_oracles(path: Path) -> None:
    raw = load(path)[2]
    check_against_oracles(raw, run([raw]))


def test_the_oracles_refuse_what_the_issue_names() -> None:
    """The oracles are alive: the loose framings of issue 11 are refused by at least one."""
    for name in ["invalid_chunk_size_bare_lf", "invalid_two_hosts", "invalid_bel_in_header"]:
        raw = load(Path(CASES[0]).parent / f"{name}.http")[2]
        results = [through_h11(raw), through_httptools(raw)]
        assert any(result.refused_at == 0 for result in results), name


def with_host(request: bytes) -> bytes:
    """The request with a Host after its first line, so that h11 looks past Host."""
    end = request.find(b"\n")
    if end < 0:
        return request
    eol = b"\r\n" if request[end - 1 : end] == b"\r" else b"\n"
    return request[: end + 1] + b"Host: oracle" + eol + request[end + 1 :]


@st.composite
def connection_bytes(draw: st.DrawFn) -> tuple[list[bytes], bytes]:
    """The fuzz generator's requests (most given a Host), pipelined, and cut into pieces."""
    requests = st.one_of(one_request().map(with_host), one_request().map(with_host), one_request())
    parts = draw(st.lists(requests, min_size=1, max_size=3))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(st.binary(min_size=1, max_size=60)))
    raw = b"".join(parts)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(raw)), max_size=5))))
    return [raw[a:b] for a, b in itertools.pairwise([0, *cuts, len(raw)])], raw


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=connection_bytes())
def test_generated_requests_against_the_oracles(case: tuple[list[bytes], bytes]) -> None:
    chunks, raw = case
    ours = run([raw])
    assert run(chunks).statuses == ours.statuses, "cut into pieces, the same outcome"
    check_against_oracles(raw, ours)
