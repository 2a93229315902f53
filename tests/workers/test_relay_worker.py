"""RelayWorker: commands from the GUI thread, batched events, table rows, stop in time."""

from __future__ import annotations

import socket

from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent
from app.net.relay.faults import RelayFaults
from app.net.relay.status import RelayProtocol, RelayRow, RelayState, RelayStatus
from app.workers.relay_worker import RelayWorker
from tests.net.tcp.server_clients import recv_exactly
from tests.peers import EchoServer, free_port


def test_the_worker_relays_reports_and_stops_within_a_second(qtbot: QtBot) -> None:
    worker = RelayWorker()
    events: list[LogEvent] = []
    states: list[RelayStatus] = []
    tables: list[list[RelayRow]] = []
    worker.events.connect(events.extend)
    worker.status_changed.connect(states.append)
    worker.connections_changed.connect(tables.append)
    worker.start()
    try:
        with EchoServer() as echo:
            port = free_port()
            worker.set_faults(RelayFaults(chunk_size=2))
            worker.start_relay(RelayProtocol.TCP, "127.0.0.1", port, "127.0.0.1", echo.port)
            qtbot.waitUntil(lambda: bool(states) and states[-1].state is RelayState.RELAYING)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(b"four")
                assert recv_exactly(client, 4) == b"four"
                qtbot.waitUntil(lambda: any(t and t[0].to_client == 4 for t in tables))
                qtbot.waitUntil(lambda: len([e for e in events if e.kind is Kind.SENT]) == 4)
            sent = [e.data for e in events if e.kind is Kind.SENT]
            assert sent == [b"fo", b"ur", b"fo", b"ur"]
            worker.stop_relay()
            qtbot.waitUntil(lambda: states[-1].state is RelayState.STOPPED)
    finally:
        assert worker.stop(1000)
