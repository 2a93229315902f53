"""The self-test's "tcp server" step: a raw client gets its echo from the TCP Server tab.

Typed by StepContext (app/self_test_context.py), so app.self_test can import it.
`tcp_server_exchange` is the part the "tcp rules" step shares: start the tab, one
message from a raw client, its answer checked at the client and in the log, stop.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial

from app.net.events import Kind, LogEvent, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, TcpEchoProbe, free_loopback_port
from app.self_test_widgets import StepFailed, choose, set_number, set_text, text_of

SOURCE = Source.TCP_SERVER


def tcp_server_step(test: StepContext) -> None:
    """Start the tab on a free loopback port in Echo mode, echo one payload, stop it."""
    payload = f"self-test tcp server {secrets.token_hex(4)}".encode()
    port = free_loopback_port()
    set_text(test.window, "tcpsBind", LOOPBACK)
    set_number(test.window, "tcpsPort", port)
    choose(test.window, "tcpsReplyMode", "Echo")

    def logged(events: list[LogEvent]) -> bool:
        return all(
            payload in b"".join(e.data for e in events if e.kind is kind)
            for kind in (Kind.RECEIVED, Kind.SENT)
        )

    tcp_server_exchange(
        test, port, payload, payload, logged, "received and sent rows with the payload"
    )


def tcp_server_exchange(
    test: StepContext,
    port: int,
    message: bytes,
    answer: bytes,
    logged: Callable[[list[LogEvent]], bool],
    rows: str,
) -> None:
    """Start the tab, send `message` from a raw client, expect `answer` back and the
    log to satisfy `logged` (`rows` says what in a failure), then stop the tab."""
    window = test.window
    test.click("tcpsStart")
    status = partial(text_of, window, "tcpsStatus")
    test.wait(
        lambda: status().startswith("Listening"),
        "'Listening' in tcpsStatus",
        lambda: f"tcpsStatus says {status()!r}; " + test.errors(SOURCE),
    )
    try:
        probe = TcpEchoProbe(port, message).start()
        try:
            test.wait(
                lambda: probe.result is not None or bool(probe.error),
                "the answer at the client",
                lambda: "the client is still waiting; " + test.errors(SOURCE),
            )
        finally:
            probe.join()
        if probe.error or probe.result != answer:
            raise StepFailed(f"the client got {probe.result!r} ({probe.error or 'no error'})")
        test.wait(
            lambda: logged(test.events(SOURCE)), f"{rows} in the log", lambda: test.errors(SOURCE)
        )
        test.expected_sent += len(answer)
        test.expected_received += len(message)
    finally:
        test.click("tcpsStart")  # Stop
        test.wait(
            lambda: status().startswith("Stopped"),
            "'Stopped' in tcpsStatus",
            lambda: f"tcpsStatus says {status()!r}",
        )
