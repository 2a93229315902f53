"""Test settings: offscreen Qt, a scratch settings file, and real loopback peers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

# Before any Qt import: no screen is needed, and no test touches a person's own settings.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SETTINGS_DIR = tempfile.mkdtemp(prefix="socket-tester-tests-")
os.environ["SOCKET_TESTER_SETTINGS"] = os.path.join(_SETTINGS_DIR, "settings.ini")

import pytest  # noqa: E402

from tests.peers import EchoServer, SinkServer  # noqa: E402


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@pytest.fixture
def sink_server() -> Iterator[SinkServer]:
    with SinkServer() as server:
        yield server


@pytest.fixture
def fresh_settings(tmp_path: object) -> Iterator[str]:
    """A settings file of this test's own, so nothing leaks between tests."""
    path = os.path.join(str(tmp_path), "settings.ini")
    old = os.environ["SOCKET_TESTER_SETTINGS"]
    os.environ["SOCKET_TESTER_SETTINGS"] = path
    yield path
    os.environ["SOCKET_TESTER_SETTINGS"] = old
