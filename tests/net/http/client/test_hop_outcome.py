"""A hop's timing: each phase measured only when it happened."""

from __future__ import annotations

from app.net.http.client.hop_outcome import REUSED, hop_timing
from app.net.http.client.opener import OpenTiming


def test_a_whole_response_on_a_new_connection_has_every_phase() -> None:
    timing = hop_timing(OpenTiming(None, 1.5, None), 0, 2_000_000, 5_000_000, 9_000_000, done=True)
    assert timing == (None, 1.5, None, 3.0, 4.0, 9.0)


def test_a_reused_connection_and_an_unfinished_body() -> None:
    timing = hop_timing(REUSED, 0, 0, 4_000_000, 6_000_000, done=False)
    # Nothing seen written (the first byte came first): no wait; not done: no download.
    assert timing == (None, None, None, 0.0, None, 6.0)
    assert hop_timing(REUSED, 0, 0, 0, 1_000_000, done=False).first_byte_ms is None
