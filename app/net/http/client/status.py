"""The HTTP client's state as the GUI sees it; no sockets, so the GUI imports it freely."""

from __future__ import annotations

from typing import NamedTuple


class HttpClientStatus(NamedTuple):
    busy: bool
    activity: str = ""  # e.g. "Connecting to 127.0.0.1:8000…", "Waiting for the response…"
