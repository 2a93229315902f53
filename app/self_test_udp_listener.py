"""The self-test's UDP Listener step: a datagram from a plain socket is logged and echoed."""

from __future__ import annotations

import secrets
import socket

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, UdpProbe, free_loopback_port
from app.self_test_widgets import choose, set_number, set_text, text_of


def udp_listener_step(test: StepContext) -> None:
    """Start the UDP Listener on a free loopback port; a datagram is logged and echoed."""
    window = test.window
    port = free_loopback_port(socket.SOCK_DGRAM)
    payload = f"self-test udp listener {secrets.token_hex(4)}".encode()
    set_text(window, "udplBind", LOOPBACK)
    set_number(window, "udplPort", port)
    set_text(window, "udplMulticast", "")
    choose(window, "udplReplyMode", "Echo")
    test.click("udplStart")
    test.wait(
        lambda: text_of(window, "udplStatus").startswith("Listening"),
        "'Listening' in udplStatus",
        lambda: (
            f"udplStatus says {text_of(window, 'udplStatus')!r}; "
            + test.errors(Source.UDP_LISTENER)
        ),
    )
    probe = UdpProbe()
    sender = f"{LOOPBACK}:{probe.port}"
    try:
        probe.send(payload, port)
        test.wait(
            lambda: any(
                e.kind is Kind.RECEIVED and e.data == payload and e.peer == sender
                for e in test.events(Source.UDP_LISTENER)
            ),
            f"the datagram from {sender} in the log",
            lambda: test.errors(Source.UDP_LISTENER),
        )
        test.wait(
            lambda: payload in probe.poll(),
            "the echo at the sender",
            lambda: f"the sender got {probe.poll()[-3:]!r}; " + test.errors(Source.UDP_LISTENER),
        )
    finally:
        probe.close()
    test.expected_sent += len(payload)
    test.expected_received += len(payload)
    test.click("udplStart")  # Stop
    test.wait(
        lambda: text_of(window, "udplStatus") == "Stopped",
        "'Stopped' in udplStatus",
        lambda: f"udplStatus says {text_of(window, 'udplStatus')!r}",
    )
