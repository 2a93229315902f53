"""The status record the GUI imports."""

from __future__ import annotations

from app.net.http.client.status import HttpClientStatus


def test_idle_has_no_activity() -> None:
    assert HttpClientStatus(False) == (False, "")
    assert HttpClientStatus(True, "Connecting…").activity == "Connecting…"
