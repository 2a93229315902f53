"""`relay tcp|udp`: the Relay tab's object without a window, with the tab's faults."""

from __future__ import annotations

from app.cli.session import Session
from app.net.relay.faults import RelayFaults
from app.net.relay.relay import Relay
from app.net.relay.status import RelayProtocol, RelayState, RelayStatus


class RelayRun:
    def __init__(
        self,
        session: Session,
        protocol: RelayProtocol,
        listen: tuple[str, int],
        target: tuple[str, int],
        faults: RelayFaults,
    ) -> None:
        self._session = session
        self._args = (protocol, *listen, *target)
        self._started = False
        self._relay = Relay(session.reactor, session.printer.sink, self._on_state)
        self._relay.set_faults(faults)

    def start(self) -> None:
        self._relay.start(*self._args)

    def stop(self) -> None:
        if self._relay.running:
            self._relay.stop()
            self._session.printer.flush()
        self._relay.close()

    def _on_state(self, status: RelayStatus) -> None:
        if status.state is RelayState.RELAYING:
            self._started = True
        elif status.state is RelayState.STOPPED and not self._started:
            # Resolving the target or binding failed (logged): nothing to relay.
            self._session.fail(
                status.error or self._session.totals.first_error or "could not start"
            )
