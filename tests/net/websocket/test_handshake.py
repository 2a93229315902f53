"""The client's opening handshake without a socket: the request, and answers pushed in
whole, byte by byte, and with frames after the 101."""

from __future__ import annotations

import pytest

from app.net.websocket.handshake import Answer, ClientHandshake
from app.net.websocket.url import parse_ws_url
from tests.net.websocket.ws_peers import accept_token

TARGET = parse_ws_url("ws://[::1]:9000/feed?x=1")


def request_key(handshake: ClientHandshake) -> bytes:
    line = next(
        line for line in handshake.request.split(b"\r\n") if line.startswith(b"Sec-WebSocket-Key")
    )
    return line.split(b":", 1)[1].strip()


def accepted(handshake: ClientHandshake, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_token(request_key(handshake)) + b"\r\n" + extra + b"\r\n"
    )


def test_the_request_carries_the_target_host_and_extra_headers() -> None:
    handshake = ClientHandshake(
        TARGET, (("X-Token", "t"), ("Host", "no"), ("Sec-WebSocket-Protocol", "a, b"))
    )
    head = handshake.request.decode("latin-1")
    assert head.startswith("GET /feed?x=1 HTTP/1.1\r\n")
    assert "\r\nHost: [::1]:9000\r\n" in head
    assert "\r\nX-Token: t\r\n" in head
    assert "\r\nSec-WebSocket-Protocol: a, b\r\n" in head
    assert head.count("Host:") == 1
    assert handshake.left_out == ["Host"]


@pytest.mark.parametrize("split", [False, True])
def test_a_101_is_accepted_and_frames_after_it_wait_for_the_session(split: bool) -> None:
    handshake = ClientHandshake(TARGET, (("Sec-WebSocket-Protocol", "b"),))
    answer = accepted(handshake, b"Sec-WebSocket-Protocol: b\r\n")
    data = answer + b"\x81\x02hi"
    result: Answer | None = None
    pieces = [data[i : i + 1] for i in range(len(data))] if split else [data]
    for piece in pieces:
        if result is None:
            result = handshake.feed(piece)
        else:  # once open, the client hands what follows to the session
            handshake.ws.receive_data(piece)
    assert result == Answer(101, answer, "b")
    assert [type(e).__name__ for e in handshake.ws.events()] == ["TextMessage"]


def test_another_status_is_a_refusal_with_its_head() -> None:
    handshake = ClientHandshake(TARGET, ())
    head = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n"
    assert handshake.feed(head + b"no") == Answer(403, head)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Accept: wrong\r\n\r\n", "accept token"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "Bad HTTP message"),
    ],
)  # fmt: skip
def test_a_broken_answer_is_a_failure(answer: bytes, words: str) -> None:
    result = ClientHandshake(TARGET, ()).feed(answer)
    assert result is not None and words in result.failure
