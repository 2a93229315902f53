"""The checksums against the catalogue's check values (the CRC of "123456789")."""

from __future__ import annotations

import os
import zlib

import pytest

from app.payload.checksums import CHECKSUMS, crc16_ccitt, crc16_modbus, crc32, sum8, xor8

CHECK = b"123456789"


def test_catalogue_check_values() -> None:
    # reveng.sourceforge.net's catalogue: CRC-16/MODBUS, CRC-16/IBM-3740 (CCITT-FALSE),
    # CRC-32 (ISO-HDLC); sum and XOR worked out by hand (0x31 + ... + 0x39 = 0x1DD).
    assert crc16_modbus(CHECK) == 0x4B37
    assert crc16_ccitt(CHECK) == 0x29B1
    assert crc32(CHECK) == 0xCBF43926
    assert sum8(CHECK) == 0xDD
    assert xor8(CHECK) == 0x31


def test_wire_order_of_each_checksum() -> None:
    assert CHECKSUMS["crc16_modbus"].of(CHECK) == bytes([0x37, 0x4B])  # low byte first
    assert CHECKSUMS["crc16_ccitt"].of(CHECK) == bytes([0x29, 0xB1])  # high byte first
    assert CHECKSUMS["crc32"].of(CHECK) == bytes([0xCB, 0xF4, 0x39, 0x26])
    assert CHECKSUMS["sum8"].of(CHECK) == b"\xdd"
    assert CHECKSUMS["xor8"].of(CHECK) == b"\x31"


def test_the_modbus_request_of_the_issue() -> None:
    # Read 10 holding registers from address 0 of unit 1: the frame ends C5 CD.
    assert CHECKSUMS["crc16_modbus"].of(bytes.fromhex("01030000000A")) == b"\xc5\xcd"


@pytest.mark.parametrize("name", sorted(CHECKSUMS))
def test_a_running_state_gives_the_same_as_one_pass(name: str) -> None:
    # Templates fold their literal prefix once and continue from that state per message.
    checksum = CHECKSUMS[name]
    data = os.urandom(300)
    for cut in (0, 1, 150, 299, 300):
        state = checksum.update(data[:cut], checksum.initial)
        assert checksum.encode(checksum.update(data[cut:], state)) == checksum.of(data)


def test_empty_input_gives_the_initial_state() -> None:
    assert crc16_modbus(b"") == 0xFFFF and crc16_ccitt(b"") == 0xFFFF
    assert crc32(b"") == zlib.crc32(b"") == 0 and sum8(b"") == xor8(b"") == 0
