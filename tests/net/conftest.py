"""The loops net/ tests run on: a bare Reactor, or one running in a thread of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.net.reactor import Reactor
from tests.net.reactor_harness import ReactorThread


@pytest.fixture
def reactor() -> Iterator[Reactor]:
    """A Reactor the test runs itself (closed after it)."""
    made = Reactor()
    yield made
    made.close()


@pytest.fixture
def loop() -> Iterator[ReactorThread]:
    """A Reactor running in its thread, stopped (and what it made closed) after the test."""
    harness = ReactorThread().start()
    yield harness
    harness.stop()
