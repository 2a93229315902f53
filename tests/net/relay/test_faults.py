"""The fault record: which directions it covers, whether it does anything, its summary."""

from __future__ import annotations

from app.net.relay.faults import NO_FAULTS, Direction, FaultDirection, RelayFaults


def test_both_covers_both_directions() -> None:
    assert all(FaultDirection.BOTH.covers(d) for d in Direction)


def test_one_direction_covers_only_itself() -> None:
    assert FaultDirection.CLIENT_TO_TARGET.covers(Direction.CLIENT_TO_TARGET)
    assert not FaultDirection.CLIENT_TO_TARGET.covers(Direction.TARGET_TO_CLIENT)
    assert FaultDirection.TARGET_TO_CLIENT.covers(Direction.TARGET_TO_CLIENT)
    assert not RelayFaults(direction=FaultDirection.TARGET_TO_CLIENT).applies_to(
        Direction.CLIENT_TO_TARGET
    )


def test_active_only_when_a_fault_is_set() -> None:
    assert not NO_FAULTS.active
    assert not RelayFaults(direction=FaultDirection.CLIENT_TO_TARGET).active
    assert RelayFaults(chunk_size=1).active


def test_describe_names_every_fault_set() -> None:
    assert NO_FAULTS.describe() == "no faults"
    text = RelayFaults(
        delay_ms=300,
        jitter_ms=20,
        rate_kbps=5,
        drop_percent=1.5,
        corrupt_percent=2,
        chunk_size=10,
        close_after=1000,
        direction=FaultDirection.CLIENT_TO_TARGET,
    ).describe()
    assert text == (
        "delay 300 ms ± 20 ms, rate 5 kB/s, drop 1.5%, corrupt 2%, chunks of 10 B, "
        "close after 1,000 B (client to target)"
    )
