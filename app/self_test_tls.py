"""The self-test's "tls" step: the TCP Client with TLS, Verify on, against the TCP Server
with TLS and its generated certificate, which the client trusts as its CA file.

It covers what a frozen build most easily gets wrong: `ssl` in the bundle, the
certificate generated and kept beside the settings, a verified handshake, plaintext
echoed through both tabs. Typed by StepContext (app/self_test_context.py).
"""

from __future__ import annotations

import secrets
from functools import partial

from PySide6.QtWidgets import QCheckBox

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, free_loopback_port
from app.self_test_widgets import StepFailed, choose, find, set_number, set_text, text_of
from app.ui.widgets.tls_fields import settings_folder

GENERATED_PEM = "tls-self-signed.pem"


def tls_step(test: StepContext) -> None:
    window = test.window
    payload = f"self-test tls {secrets.token_hex(4)}"
    port = free_loopback_port()
    server_status = partial(text_of, window, "tcpsStatus")
    client_status = partial(text_of, window, "tcpStatus")
    set_text(window, "tcpsBind", LOOPBACK)
    set_number(window, "tcpsPort", port)
    choose(window, "tcpsReplyMode", "Echo")
    _tick(test, "tcpsTls", True)
    set_text(window, "tcpsTlsCert", "")
    test.click("tcpsStart")
    try:
        test.wait(
            lambda: not server_status().startswith("Starting"),
            "an answer to Start in tcpsStatus",
            lambda: f"tcpsStatus says {server_status()!r}",
        )
        if not (server_status().startswith("Listening") and "TLS" in server_status()):
            raise StepFailed(
                f"tcpsStatus says {server_status()!r}; " + test.errors(Source.TCP_SERVER)
            )
        _tick(test, "tcpTls", True)
        _tick(test, "tcpTlsVerify", True)
        set_text(window, "tcpTlsCa", str(settings_folder() / GENERATED_PEM))
        set_text(window, "tcpHost", LOOPBACK)
        set_number(window, "tcpPort", port)
        test.click("tcpConnect")
        test.wait(
            lambda: client_status().endswith("over TLS"),
            "'Connected … over TLS' in tcpStatus",
            lambda: f"tcpStatus says {client_status()!r}; " + test.errors(Source.TCP),
        )
        set_text(window, "tcpPayload", payload)
        test.click("tcpSend")
        data = payload.encode()
        test.wait(
            lambda: (
                data in b"".join(e.data for e in test.events(Source.TCP) if e.kind is Kind.RECEIVED)
            ),
            "the echo over TLS in the log",
            lambda: test.errors(Source.TCP) + "; " + test.errors(Source.TCP_SERVER),
        )
        # The client sent and received it; the server received it and sent it back.
        test.expected_sent += 2 * len(data)
        test.expected_received += 2 * len(data)
        test.click("tcpConnect")  # Disconnect
        test.wait(
            lambda: client_status() == "Disconnected",
            "'Disconnected' in tcpStatus",
            lambda: f"tcpStatus says {client_status()!r}",
        )
    finally:
        if server_status().startswith("Listening"):
            test.click("tcpsStart")  # Stop
            test.wait(
                lambda: server_status().startswith("Stopped"),
                "'Stopped' in tcpsStatus",
                lambda: f"tcpsStatus says {server_status()!r}",
            )
        _tick(test, "tcpsTls", False)
        _tick(test, "tcpTls", False)


def _tick(test: StepContext, name: str, on: bool) -> None:
    box = find(test.window, QCheckBox, name)
    assert isinstance(box, QCheckBox)
    box.setChecked(on)
