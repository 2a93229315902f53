"""The leg tag in a relay event's detail: written and read back."""

from __future__ import annotations

import pytest

from app.net.relay.faults import Direction
from app.net.relay.legs import Leg, leg_detail, parse_leg, shown_peer, with_note


@pytest.mark.parametrize("udp", [False, True])
@pytest.mark.parametrize("client_leg", [False, True])
def test_a_leg_reads_back(udp: bool, client_leg: bool) -> None:
    detail = with_note(leg_detail(udp, client_leg, Direction.CLIENT_TO_TARGET), "held 5 ms")
    assert parse_leg(detail) == Leg(udp, client_leg)


def test_the_detail_reads_as_a_sentence() -> None:
    detail = with_note(leg_detail(False, False, Direction.CLIENT_TO_TARGET), "held 300 ms")
    assert detail == "TCP · target leg · Client to target · held 300 ms"
    assert with_note("TCP · client leg", "") == "TCP · client leg"


@pytest.mark.parametrize("detail", ["", "Traceback (most recent call last)", "TCP", "TCP · x"])
def test_other_details_are_no_leg(detail: str) -> None:
    assert parse_leg(detail) is None


def test_the_shown_peer_says_which_way_the_bytes_went() -> None:
    up_in = leg_detail(False, True, Direction.CLIENT_TO_TARGET)
    up_out = leg_detail(False, False, Direction.CLIENT_TO_TARGET)
    assert shown_peer("127.0.0.1:5000", up_in, sent=False) == "client 127.0.0.1:5000 →"
    assert shown_peer("127.0.0.1:8000", up_out, sent=True) == "→ target 127.0.0.1:8000"
    assert shown_peer("127.0.0.1:8000", "", sent=True) == "127.0.0.1:8000"
