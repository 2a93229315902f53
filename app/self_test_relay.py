"""The self-test's "relay" step: a client's bytes cross the Relay tab to the loopback echo
peer and back, each leg logged both ways.

Typed by StepContext (app/self_test_context.py), so app.self_test can import it.
"""

from __future__ import annotations

import secrets
from functools import partial

from PySide6.QtWidgets import QDoubleSpinBox

from app.net.events import Kind, Source
from app.self_test_context import StepContext
from app.self_test_peers import LOOPBACK, TcpEchoProbe, free_loopback_port
from app.self_test_widgets import StepFailed, choose, find, set_number, set_text, text_of

_WHOLE_FAULTS = ("relayDelay", "relayJitter", "relayRate", "relayChunk", "relayCloseAfter")
_PERCENT_FAULTS = ("relayDrop", "relayCorrupt")


def relay_step(test: StepContext, echo_port: int) -> None:
    """Relay a free loopback port to the echo peer with no faults; one payload both ways."""
    window, source = test.window, Source.RELAY
    payload = f"self-test relay {secrets.token_hex(4)}".encode()
    port = free_loopback_port()
    choose(window, "relayProtocol", "TCP")
    set_text(window, "relayListenHost", LOOPBACK)
    set_number(window, "relayListenPort", port)
    set_text(window, "relayTargetHost", LOOPBACK)
    set_number(window, "relayTargetPort", echo_port)
    for name in _WHOLE_FAULTS:  # the settings may have restored faults from a last run
        set_number(window, name, 0)
    for name in _PERCENT_FAULTS:
        spin = find(window, QDoubleSpinBox, name)
        assert isinstance(spin, QDoubleSpinBox)
        spin.setValue(0.0)
    test.click("relayStart")
    status = partial(text_of, window, "relayStatus")
    test.wait(
        lambda: status().startswith("Relaying"),
        "'Relaying' in relayStatus",
        lambda: f"relayStatus says {status()!r}; " + test.errors(source),
    )
    try:
        probe = TcpEchoProbe(port, payload).start()
        try:
            test.wait(
                lambda: probe.result is not None or bool(probe.error),
                "the echo through the relay at the client",
                lambda: "the client is still waiting; " + test.errors(source),
            )
        finally:
            probe.join()
        if probe.error or probe.result != payload:
            raise StepFailed(f"the client got {probe.result!r} ({probe.error or 'no error'})")

        def both_legs_logged() -> bool:
            rows = [e for e in test.events(source) if payload in e.data]
            kinds = [e.kind for e in rows]
            return kinds.count(Kind.RECEIVED) >= 2 and kinds.count(Kind.SENT) >= 2

        test.wait(
            both_legs_logged,
            "two received and two sent rows with the payload (one per leg and direction)",
            lambda: test.errors(source),
        )
        test.expected_sent += 2 * len(payload)
        test.expected_received += 2 * len(payload)
    finally:
        test.click("relayStart")  # Stop
        test.wait(
            lambda: status().startswith("Stopped"),
            "'Stopped' in relayStatus",
            lambda: f"relayStatus says {status()!r}",
        )
