"""The sans-IO framer: each kind fed whole, byte by byte, in odd chunks, with trailing data."""

from __future__ import annotations

import random

import pytest

from app.net.framing import (
    AS_RECEIVED,
    MAX_MESSAGE,
    Framer,
    FramingError,
    FramingKind,
    FramingSpec,
    parse_framing,
)


def spec(kind: str, argument: str = "") -> FramingSpec:
    return parse_framing(kind, argument)


def prefixed(body: bytes, width: int, order: str = "big") -> bytes:
    return len(body).to_bytes(width, order) + body  # type: ignore[arg-type]


# (framing, complete messages in order, trailing bytes of an incomplete one)
CASES = {
    "lf": (spec("Lines (LF)"), [b"one\n", b"\n", b"two\r\n", b"\rthree\n"], b"four\r"),
    "lf-no-cr": (spec("Lines (LF)"), [b"a\n", b"bb\n", b"ccc\n"], b"dddd"),
    "lf-no-tail": (spec("Lines (LF)"), [b"a\n", b"b\n"], b""),
    "crlf": (spec("Lines (CRLF)"), [b"a\r\n", b"b\nc\r\n", b"\r\n", b"\r\r\n"], b"d\r"),
    "etx": (spec("Delimiter", "\\x03"), [b"\x02hi\x03", b"\x03", b"\x02there\x03"], b"\x02x"),
    "word": (spec("Delimiter", "END!"), [b"EENEND!", b"END!", b"xEND!"], b"ENDxEND"),
    "aa": (spec("Delimiter", "aa"), [b"xaa", b"aa", b"baa"], b"a"),
    "prefix1": (spec("Length prefix", "1"), [prefixed(b"abc", 1), prefixed(b"", 1)], b"\x05ab"),
    "prefix2": (
        spec("Length prefix", "2"),
        [prefixed(b"x" * 300, 2), prefixed(b"y", 2)],
        b"\x01",
    ),
    "prefix4": (
        spec("Length prefix", "4"),
        [prefixed(b"hello", 4), prefixed(b"\x00" * 70_000, 4)],
        b"\x00\x00\x00\x09nine",
    ),
    "prefix2le": (
        spec("Length prefix", "2le"),
        [prefixed(b"x" * 258, 2, "little"), prefixed(b"z", 2, "little")],
        b"",
    ),
    "prefix4le": (
        spec("Length prefix", "4le"),
        [prefixed(b"abcdef", 4, "little")],
        b"\x03\x00\x00",
    ),
    "fixed": (spec("Fixed size", "4"), [b"abcd", b"\x00\x01\x02\x03", b"efgh"], b"ij"),
    "fixed1": (spec("Fixed size", "1"), [b"a", b"b"], b""),
}


def feed_in(framer: Framer, data: bytes, cuts: list[int]) -> list[bytes]:
    messages: list[bytes] = []
    start = 0
    for end in [*cuts, len(data)]:
        messages += framer.feed(data[start:end])
        start = end
    return messages


@pytest.mark.parametrize("name", CASES)
def test_fed_whole_the_messages_come_out_exact_and_the_rest_is_held(name: str) -> None:
    framing, messages, tail = CASES[name]
    framer = Framer(framing)
    assert framer.feed(b"".join(messages) + tail) == messages
    assert framer.held == len(tail)
    assert framer.finish() == tail
    assert framer.finish() == b"" and framer.held == 0


@pytest.mark.parametrize("name", CASES)
def test_fed_byte_by_byte_gives_the_same_messages(name: str) -> None:
    framing, messages, tail = CASES[name]
    data = b"".join(messages) + tail
    framer = Framer(framing)
    assert feed_in(framer, data, list(range(1, len(data)))) == messages
    assert framer.finish() == tail


@pytest.mark.parametrize("name", CASES)
def test_any_chunking_gives_the_same_messages(name: str) -> None:
    framing, messages, tail = CASES[name]
    data = b"".join(messages) + tail
    chance = random.Random(name)
    for _ in range(50):
        cuts = sorted(chance.sample(range(1, len(data)), min(len(data) - 1, chance.randint(1, 6))))
        framer = Framer(framing)
        assert feed_in(framer, data, cuts) == messages, cuts
        assert framer.finish() == tail


@pytest.mark.parametrize("name", CASES)
def test_messages_then_trailing_data_in_one_chunk_after_a_held_start(name: str) -> None:
    """A held start, then one chunk that ends it, holds several more and a tail."""
    framing, messages, tail = CASES[name]
    first = messages[0]
    framer = Framer(framing)
    assert framer.feed(first[:1]) == ([first] if len(first) == 1 else [])
    rest = framer.feed(first[1:] + b"".join(messages[1:]) + tail)
    assert ([first] if len(first) == 1 else []) + rest == messages
    assert framer.finish() == tail


def test_as_received_passes_chunks_through_untouched() -> None:
    framer = Framer(AS_RECEIVED)
    assert framer.feed(b"a\nb") == [b"a\nb"]
    assert framer.feed(b"") == []
    assert framer.passing_through and framer.finish() == b""


def test_a_long_line_in_many_small_chunks_is_one_message() -> None:
    framer = Framer(spec("Delimiter", "\\r\\n"))
    chunks = [b"x" * 1000] * 2000
    out = [m for chunk in chunks for m in framer.feed(chunk)]
    assert out == [] and framer.held == 2_000_000
    assert framer.feed(b"\r") == []
    assert framer.feed(b"\nnext") == [b"x" * 2_000_000 + b"\r\n"]
    assert framer.finish() == b"next"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_idle_gap_ends_a_message_when_nothing_arrives_for_the_gap() -> None:
    clock = FakeClock()
    framer = Framer(spec("Idle gap", "50"), clock=clock)
    assert framer.due_in() is None
    assert framer.feed(b"ab") == [] and framer.feed(b"c") == []
    assert framer.due_in() == pytest.approx(0.05)
    clock.now += 0.03
    assert framer.tick() == []
    assert framer.feed(b"d") == []  # more bytes restart the gap
    clock.now += 0.04
    assert framer.tick() == [] and framer.due_in() == pytest.approx(0.01)
    clock.now += 0.01
    assert framer.tick() == [b"abcd"]
    assert framer.due_in() is None and framer.held == 0
    assert framer.feed(b"e") == []
    assert framer.finish() == b"e"


def test_a_message_growing_past_the_limit_falls_back_to_as_received() -> None:
    framer = Framer(spec("Lines (LF)"), limit=10)
    assert framer.feed(b"done\n12345") == [b"done\n"]
    assert not framer.notice
    assert framer.feed(b"678901") == [b"12345678901"]  # nothing held is lost
    assert "Lines (LF) framing stopped" in framer.notice and "no LF within" in framer.notice
    assert framer.passing_through
    assert framer.feed(b"a\nb\n") == [b"a\nb\n"]
    assert framer.finish() == b""


def test_a_length_over_the_limit_falls_back_at_once_with_the_bytes() -> None:
    framer = Framer(spec("Length prefix", "4"))
    too_long = (MAX_MESSAGE + 1).to_bytes(4, "big")
    ok = prefixed(b"hi", 4)
    assert framer.feed(ok + too_long + b"body") == [ok, too_long + b"body"]
    assert f"announced {MAX_MESSAGE + 1:,} bytes" in framer.notice
    assert framer.feed(ok) == [ok] and framer.passing_through


def test_the_limit_is_16_mb_for_a_delimiter_that_never_comes() -> None:
    framer = Framer(spec("Delimiter", "\\0"))
    block = b"x" * 1_000_000
    out = [m for _ in range(16) for m in framer.feed(block)]
    assert out == [] and not framer.notice
    assert Framer(spec("Delimiter", "\\0")).feed(block * 16 + b"\0") == [block * 16 + b"\0"]
    out = framer.feed(b"yz")
    assert out == [block * 16 + b"yz"] and 'no delimiter "\\0" within 16.0 MB' in framer.notice
    assert MAX_MESSAGE == 16_000_000


def test_idle_gap_falls_back_past_the_limit_too() -> None:
    framer = Framer(spec("Idle gap", "1000"), limit=4, clock=FakeClock())
    assert framer.feed(b"abc") == []
    assert framer.feed(b"de") == [b"abcde"] and framer.notice
    assert framer.due_in() is None


@pytest.mark.parametrize(
    ("kind", "argument", "expected"),
    [
        ("As received", "ignored", FramingSpec()),
        ("Lines (LF)", "", FramingSpec(FramingKind.LINES_LF, delimiter=b"\n")),
        ("Lines (CRLF)", "", FramingSpec(FramingKind.LINES_CRLF, delimiter=b"\r\n")),
        ("Delimiter", "\\x03", FramingSpec(FramingKind.DELIMITER, delimiter=b"\x03")),
        ("Delimiter", " ", FramingSpec(FramingKind.DELIMITER, delimiter=b" ")),
        (
            "Length prefix",
            " 2LE ",
            FramingSpec(FramingKind.LENGTH_PREFIX, prefix_size=2, byte_order="little"),
        ),
        ("Length prefix", "4", FramingSpec(FramingKind.LENGTH_PREFIX, prefix_size=4)),
        ("Fixed size", "1,024", FramingSpec(FramingKind.FIXED_SIZE, size=1024)),
        ("Idle gap", "250", FramingSpec(FramingKind.IDLE_GAP, gap=0.25)),
    ],
)
def test_parse_framing_builds_the_spec(kind: str, argument: str, expected: FramingSpec) -> None:
    assert parse_framing(kind, argument) == expected


@pytest.mark.parametrize(
    ("kind", "argument", "says"),
    [
        ("Delimiter", "", "Type the delimiter"),
        ("Delimiter", "\\q", "Unknown escape \\q"),
        ("Length prefix", "3", "1, 2 or 4 bytes"),
        ("Length prefix", "", "1, 2 or 4 bytes"),
        ("Fixed size", "0", "from 1 to 16,000,000 bytes"),
        ("Fixed size", "16000001", "from 1 to"),
        ("Fixed size", "ten", "whole number of bytes"),
        ("Idle gap", "-5", "whole number of milliseconds"),
        ("Idle gap", "60001", "from 1 to 60,000 ms"),
    ],
)
def test_parse_framing_says_what_is_wrong(kind: str, argument: str, says: str) -> None:
    with pytest.raises(FramingError) as caught:
        parse_framing(kind, argument)
    assert says in str(caught.value)


def test_describe_names_the_kind_and_its_argument() -> None:
    assert spec("Delimiter", "\\x03").describe() == 'Delimiter "\\x03"'
    assert spec("Length prefix", "4le").describe() == "Length prefix (4-byte, low byte first)"
    assert spec("Fixed size", "2000").describe() == "Fixed size (2,000 B)"
    assert spec("Idle gap", "50").describe() == "Idle gap (50 ms)"
    assert spec("Lines (CRLF)").describe() == "Lines (CRLF)"
    assert [k.takes_argument for k in FramingKind] == [False, False, False, True, True, True, True]
