"""DER pieces against hand-checked encodings (X.690), and the reader on what they write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.net.tls import der


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (der.integer(0), "020100"),
        (der.integer(127), "02017f"),
        (der.integer(128), "02020080"),  # a leading 0 keeps it positive
        (der.integer(256), "02020100"),
        (der.boolean(True), "0101ff"),
        (der.oid("1.2.840.10045.2.1"), "06072a8648ce3d0201"),
        (der.oid("2.5.29.17"), "0603551d11"),
        (der.named_bits(0), "03020780"),  # keyUsage digitalSignature
        (der.named_bits(0, 5), "03020284"),  # digitalSignature, keyCertSign
        (der.bit_string(b"\x04"), "03020004"),
        (der.sequence(), "3000"),
        (der.explicit(0, der.integer(2)), "a003020102"),
        (der.implicit(2, b"localhost"), "82096c6f63616c686f7374"),
    ],
)
def test_encodings(encoded: bytes, expected: str) -> None:
    assert encoded.hex() == expected


def test_long_lengths() -> None:
    assert der.octet_string(b"x" * 200)[:3].hex() == "0481c8"
    assert der.octet_string(b"x" * 300)[:4].hex() == "0482012c"


def test_set_of_is_sorted() -> None:
    assert der.set_of(der.integer(2), der.integer(1)) == der.element(
        der.SET, der.integer(1) + der.integer(2)
    )


def test_negative_integer_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        der.integer(-1)


@pytest.mark.parametrize(
    ("moment", "tag", "text"),
    [
        (datetime(2029, 3, 4, 5, 6, 7, tzinfo=UTC), der.UTC_TIME, b"290304050607Z"),
        (datetime(2050, 1, 1, tzinfo=UTC), der.GENERALIZED_TIME, b"20500101000000Z"),
    ],
)
def test_times_round_trip(moment: datetime, tag: int, text: bytes) -> None:
    item = der.read_element(der.time(moment))
    assert (item.tag, item.content) == (tag, text)
    assert der.read_time(item) == moment


def test_reader_walks_children() -> None:
    encoded = der.sequence(der.integer(5), der.octet_string(b"y" * 300), der.boolean(False))
    outer = der.read_element(encoded)
    assert outer.end == len(encoded)
    children = der.read_children(outer.content)
    assert [c.tag for c in children] == [der.INTEGER, der.OCTET_STRING, der.BOOLEAN]
    assert children[1].content == b"y" * 300


@pytest.mark.parametrize(
    "damaged", [b"", b"\x30", b"\x30\x05\x02\x01", b"\x04\x85\x01\x02\x03\x04\x05"]
)
def test_reader_refuses_truncated_or_odd_lengths(damaged: bytes) -> None:
    with pytest.raises(der.DerError):
        der.read_element(damaged)
