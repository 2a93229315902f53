"""The engine on a loop of its own, for every test of the HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.net.http.client.peers import ClientLoop


@pytest.fixture
def client() -> Iterator[ClientLoop]:
    made = ClientLoop()
    yield made
    made.close()
