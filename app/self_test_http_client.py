"""The self-test's "http client" step: the HTTP Client tab GETs the page of the HTTP
Server tab (started by "http start") and reads its body and timing, then opens a
WebSocket to the same server in its "WebSocket echo" mode, gets a message back, pings
and closes.

It covers what a frozen build most easily gets wrong here: the client engine and wsproto
in the bundle, the response and timing views filled. Typed by StepContext.
"""

from __future__ import annotations

import secrets
from functools import partial

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK
from app.self_test_widgets import StepFailed, choose, set_text, text_of

HTTP_CLIENT_PATH = "/self-test-client"
NOT_MEASURED = "—"


def http_client_step(test: StepContext, http_port: int, http_body: str) -> None:
    window = test.window
    status = partial(text_of, window, "hcStatus")
    choose(window, "hcMethod", "GET")
    choose(window, "hcBodyFormat", "Text")
    set_text(window, "hcHeaders", "")
    set_text(window, "hcBody", "")
    set_text(window, "hcUrl", f"http://{LOOPBACK}:{http_port}{HTTP_CLIENT_PATH}")
    test.click("hcSend")
    test.wait(
        lambda: status()[:1].isdigit() or status().startswith(("Failed", "Cancelled")),
        "an answer in hcStatus",
        lambda: f"hcStatus says {status()!r}; " + test.errors(Source.HTTP_CLIENT),
    )
    if not status().startswith("200 OK"):
        raise StepFailed(f"hcStatus says {status()!r}; " + test.errors(Source.HTTP_CLIENT))
    response = text_of(window, "hcResponse")
    if http_body not in response:
        raise StepFailed(f"hcResponse shows {response[-80:]!r}, expected {http_body!r}")
    for name in ("hcTimingFirstByte", "hcTimingTotal"):
        if text_of(window, name) == NOT_MEASURED:
            raise StepFailed(f"{name} shows no time: {text_of(window, 'hcTiming')}")
    _websocket_echo(test, http_port)


def _websocket_echo(test: StepContext, http_port: int) -> None:
    window = test.window
    status = partial(text_of, window, "hcStatus")
    message = f"self-test ws {secrets.token_hex(4)}"
    choose(window, "httpMode", "WebSocket echo")
    try:
        set_text(window, "hcUrl", f"ws://{LOOPBACK}:{http_port}/self-test-ws")
        set_text(window, "hcBody", message)
        test.click("hcSend")
        data = message.encode()
        test.wait(
            lambda: any(
                e.kind is Kind.RECEIVED and e.data == data for e in test.events(Source.HTTP_CLIENT)
            ),
            "the WebSocket echo in the log",
            lambda: f"hcStatus says {status()!r}; " + test.errors(Source.HTTP_CLIENT),
        )
        test.click("hcWsPing")
        test.wait(
            lambda: any(
                e.kind is Kind.RECEIVED and e.message.startswith("pong · RTT")
                for e in test.events(Source.HTTP_CLIENT)
            ),
            "the pong's round trip in the log",
            lambda: f"hcStatus says {status()!r}; " + test.errors(Source.HTTP_CLIENT),
        )
        test.click("hcWsClose")
        test.wait(
            lambda: status().startswith("WebSocket closed"),
            "'WebSocket closed' in hcStatus",
            lambda: f"hcStatus says {status()!r}",
        )
    finally:
        choose(window, "httpMode", "Fixed")
        set_text(window, "hcBody", "")
