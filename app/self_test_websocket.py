"""The self-test's "websocket" step: the HTTP Server tab in "WebSocket echo" mode, and a
WebSocketWorker (the HTTP Client tab's) that opens, sends a text, sees it echoed, pings
and closes.

It covers what a frozen build most easily gets wrong here: wsproto and h11 in the bundle
(both are imported on first use only), the upgrade through the server tab, every frame a
row on both ends. Typed by StepContext (app/self_test_context.py).
"""

from __future__ import annotations

import secrets
from functools import partial

from app.net.events import Kind, LogEvent, Source
from app.net.websocket.status import WebSocketState, WebSocketStatus
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, free_loopback_port
from app.self_test_widgets import StepFailed, choose, set_number, set_text, text_of
from app.workers.websocket_worker import WebSocketWorker


def websocket_step(test: StepContext) -> None:
    window = test.window
    text = f"self-test websocket {secrets.token_hex(4)}"
    port = free_loopback_port()
    server_status = partial(text_of, window, "httpStatus")
    set_text(window, "httpBind", LOOPBACK)
    set_number(window, "httpPort", port)
    choose(window, "httpMode", "WebSocket echo")
    test.click("httpStart")
    try:
        test.wait(
            lambda: not server_status().startswith("Starting"),
            "an answer to Start in httpStatus",
            lambda: f"httpStatus says {server_status()!r}",
        )
        url = f"ws://{LOOPBACK}:{port}/self-test"
        if not server_status().startswith(f"Running on ws://{LOOPBACK}:{port}/"):
            raise StepFailed(f"httpStatus says {server_status()!r}; " + test.errors(Source.HTTP))
        worker = WebSocketWorker()
        rows: list[LogEvent] = []
        states: list[WebSocketStatus] = []
        worker.events.connect(rows.extend)
        worker.status_changed.connect(states.append)
        worker.start()
        try:
            _exchange(test, worker, url, text, rows, states)
        finally:
            worker.stop(1000)
    finally:
        if server_status().startswith("Running"):
            test.click("httpStart")  # Stop
            test.wait(
                lambda: server_status().startswith("Stopped"),
                "'Stopped' in httpStatus",
                lambda: f"httpStatus says {server_status()!r}",
            )
        choose(window, "httpMode", "Fixed")


def _exchange(
    test: StepContext,
    worker: WebSocketWorker,
    url: str,
    text: str,
    rows: list[LogEvent],
    states: list[WebSocketStatus],
) -> None:
    data = text.encode()

    def state() -> WebSocketState | None:
        return states[-1].state if states else None

    def client_rows() -> str:
        errors = [e.message for e in rows if e.kind is Kind.ERROR]
        return f"client state {state()}; client errors {errors[-3:]}"

    def has(kind: Kind, start: str, payload: bytes | None = None) -> bool:
        return any(
            e.kind is kind and e.message.startswith(start) and payload in (None, e.data)
            for e in rows
        )

    worker.open(url, (), 5.0, True)
    test.wait(lambda: state() is WebSocketState.OPEN, f"{url} open", client_rows)
    worker.send_text(text)
    test.wait(lambda: has(Kind.RECEIVED, "text · ", data), "the text echoed", client_rows)
    test.wait(
        lambda: any(e.kind is Kind.SENT and e.data == data for e in test.events(Source.HTTP)),
        "the server's echo row in the log",
        lambda: test.errors(Source.HTTP),
    )
    worker.ping()
    test.wait(lambda: has(Kind.RECEIVED, "pong · RTT "), "the pong with its RTT", client_rows)
    worker.close(1000, "self-test done")
    test.wait(lambda: state() is WebSocketState.CLOSED, "the WebSocket closed", client_rows)
    if not has(Kind.INFO, "Closed; the peer answered close 1000 (self-test done)"):
        raise StepFailed(f"the close was not answered: {[e.message for e in rows[-3:]]}")
