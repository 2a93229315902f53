"""The engine on a loop of its own, for every test of the HTTP client."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from tests.net.http.client.peers import ClientLoop, ScriptedServer


@pytest.fixture
def client() -> Iterator[ClientLoop]:
    made = ClientLoop()
    yield made
    made.close()


@pytest.fixture
def serve() -> Iterator[
    Callable[[Callable[[socket.socket, ScriptedServer], None]], ScriptedServer]
]:
    made: list[ScriptedServer] = []

    def start(handler: Callable[[socket.socket, ScriptedServer], None]) -> ScriptedServer:
        made.append(ScriptedServer(handler))
        return made[-1]

    yield start
    for server in made:
        server.close()
