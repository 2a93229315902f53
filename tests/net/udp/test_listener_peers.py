"""The listener's peer table: names as the GUI shows them, lookups both ways, the bound."""

from __future__ import annotations

import pytest

from app.net.udp import listener_peers
from app.net.udp.listener_peers import PeerTable

ENDPOINT = object()  # the table only keeps it for the peer's replies


def test_peers_are_found_by_address_and_by_name() -> None:
    table = PeerTable(lambda _address, _n: None)
    v4 = table.add(("127.0.0.1", 5000), ENDPOINT)  # type: ignore[arg-type]
    v6 = table.add(("::1", 5001, 0, 0), ENDPOINT)  # type: ignore[arg-type]
    mapped = table.add(("::ffff:127.0.0.1", 5002, 0, 0), ENDPOINT)  # type: ignore[arg-type]
    assert (v4.name, v6.name, mapped.name) == ("127.0.0.1:5000", "[::1]:5001", "127.0.0.1:5002")
    assert table.named("[::1]:5001") is v6
    assert table.by_address[("::ffff:127.0.0.1", 5002, 0, 0)] is mapped
    assert table.named("10.0.0.1:1") is None
    v4.datagrams, v4.bytes = 2, 10
    assert table.stats()[0][:3] == ("127.0.0.1:5000", 2, 10)


def test_past_the_bound_the_first_seen_is_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listener_peers, "MAX_PEERS", 2)
    forgotten: list[tuple[object, int]] = []
    table = PeerTable(lambda address, n: forgotten.append((address, n)))
    for port in (1, 2, 3, 4):
        table.add(("127.0.0.1", port), ENDPOINT)  # type: ignore[arg-type]
    assert forgotten == [(("127.0.0.1", 1), 1), (("127.0.0.1", 2), 2)]
    assert len(table) == 2 and table.named("127.0.0.1:1") is None
    table.clear()
    assert len(table) == 0 and table.forgotten == 0
