"""HttpClientWorker: an exchange from the GUI thread, its rows before its result, a send
while busy refused, cancel, and a stop within a second."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.net.events import Kind, LogEvent
from app.net.http.client.result import ExchangeResult, RequestSpec
from app.net.http.client.status import HttpClientStatus
from app.workers.http_client_worker import HttpClientWorker
from tests.net.http.test_harness import RunningServer, running_server


@pytest.fixture
def http_server() -> Iterator[RunningServer]:
    yield from running_server()


@pytest.fixture
def worker() -> Iterator[HttpClientWorker]:
    made = HttpClientWorker()
    made.start()
    yield made
    assert made.stop(1000)


class Seen:
    """What the worker emitted, in the order the GUI thread received it."""

    def __init__(self, worker: HttpClientWorker) -> None:
        self.order: list[object] = []
        worker.events.connect(lambda batch: self.order.extend(batch))
        worker.status_changed.connect(self.order.append)
        worker.exchange_finished.connect(self.order.append)

    def results(self) -> list[ExchangeResult]:
        return [o for o in self.order if isinstance(o, ExchangeResult)]

    def events(self, kind: Kind) -> list[LogEvent]:
        return [o for o in self.order if isinstance(o, LogEvent) and o.kind is kind]


def test_an_exchange_delivers_its_rows_then_idle_then_the_result(
    qtbot: QtBot, worker: HttpClientWorker, http_server: RunningServer
) -> None:
    seen = Seen(worker)
    worker.send_request(RequestSpec("GET", f"http://127.0.0.1:{http_server.port}/"))
    qtbot.waitUntil(lambda: bool(seen.results()), timeout=10_000)
    (result,) = seen.results()
    assert result.ok and result.body == b"Hello, client!"
    order = seen.order
    received = order.index(seen.events(Kind.RECEIVED)[0])
    idle = order.index(HttpClientStatus(False))
    assert order.index(seen.events(Kind.SENT)[0]) < received < idle < order.index(result)
    busy = [o for o in order[:received] if isinstance(o, HttpClientStatus) and o.busy]
    assert busy and busy[0].activity.startswith("Connecting to 127.0.0.1:")
    assert all(e.source.value == "HTTP Client" for e in order if isinstance(e, LogEvent))


def test_a_send_while_busy_is_refused_and_cancel_ends_the_first(
    qtbot: QtBot, worker: HttpClientWorker
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        seen = Seen(worker)
        worker.send_request(RequestSpec("GET", url))
        qtbot.waitUntil(
            lambda: HttpClientStatus(True, "Waiting for the response…") in seen.order,
            timeout=10_000,
        )
        worker.send_request(RequestSpec("GET", url))
        qtbot.waitUntil(
            lambda: any("still running" in e.message for e in seen.events(Kind.INFO)),
            timeout=10_000,
        )
        worker.cancel()
        qtbot.waitUntil(lambda: bool(seen.results()), timeout=10_000)
        assert seen.results()[0].cancelled and len(seen.results()) == 1
        assert seen.order[-2] == HttpClientStatus(False)
    finally:
        listener.close()


def test_stop_during_an_exchange_ends_within_a_second(qtbot: QtBot) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    worker = HttpClientWorker()
    started = threading.Event()
    worker.status_changed.connect(lambda status: started.set())
    worker.start()
    try:
        worker.send_request(RequestSpec("GET", f"http://127.0.0.1:{listener.getsockname()[1]}/"))
        qtbot.waitUntil(started.is_set, timeout=10_000)
    finally:
        assert worker.stop(1000)
        listener.close()
