"""The self-test's "tcp server" step: a raw client gets its echo from the TCP Server tab.

Typed by StepContext (app/self_test_context.py), so app.self_test can import it.
"""

from __future__ import annotations

import secrets
from functools import partial

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, TcpEchoProbe, free_loopback_port
from app.self_test_widgets import StepFailed, choose, set_number, set_text, text_of


def tcp_server_step(test: StepContext) -> None:
    """Start the tab on a free loopback port in Echo mode, echo one payload, stop it."""
    window, source = test.window, Source.TCP_SERVER
    payload = f"self-test tcp server {secrets.token_hex(4)}".encode()
    port = free_loopback_port()
    set_text(window, "tcpsBind", LOOPBACK)
    set_number(window, "tcpsPort", port)
    choose(window, "tcpsReplyMode", "Echo")
    test.click("tcpsStart")
    status = partial(text_of, window, "tcpsStatus")
    test.wait(
        lambda: status().startswith("Listening"),
        "'Listening' in tcpsStatus",
        lambda: f"tcpsStatus says {status()!r}; " + test.errors(source),
    )
    try:
        probe = TcpEchoProbe(port, payload).start()
        try:
            test.wait(
                lambda: probe.result is not None or bool(probe.error),
                "the echo at the client",
                lambda: "the client is still waiting; " + test.errors(source),
            )
        finally:
            probe.join()
        if probe.error or probe.result != payload:
            raise StepFailed(f"the client got {probe.result!r} ({probe.error or 'no error'})")

        def logged() -> bool:
            events = test.events(source)
            return all(
                payload in b"".join(e.data for e in events if e.kind is kind)
                for kind in (Kind.RECEIVED, Kind.SENT)
            )

        test.wait(
            logged,
            "received and sent rows with the payload in the log",
            lambda: test.errors(source),
        )
        test.expected_sent += len(payload)
        test.expected_received += len(payload)
    finally:
        test.click("tcpsStart")  # Stop
        test.wait(
            lambda: status().startswith("Stopped"),
            "'Stopped' in tcpsStatus",
            lambda: f"tcpsStatus says {status()!r}",
        )
