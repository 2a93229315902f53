"""Bodies for display: gzip and deflate undone in pieces, bounded, failures explained."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from app.net.http.client.decoding import BodyCollector
from app.net.http.client.spool import SpoolPolicy

TEXT = b"Hello, client! " * 2000


def collect(encoding: str, wire: bytes, limit: int = 1 << 20, piece: int = 7) -> BodyCollector:
    collector = BodyCollector(encoding, limit)
    for i in range(0, len(wire), piece):
        collector.add(wire[i : i + piece])
    return collector


def test_identity_is_kept_as_is() -> None:
    collector = collect("", TEXT)
    assert collector.finish() == TEXT and collector.wire_size == len(TEXT) and not collector.note


def test_gzip_in_small_pieces() -> None:
    wire = gzip.compress(TEXT)
    collector = collect("GZIP", wire)
    assert collector.finish() == TEXT and collector.wire_size == len(wire)
    assert collector.encoding == "gzip" and not collector.note


def test_deflate_wrapped_and_raw() -> None:
    for wire in (zlib.compress(TEXT), zlib.compress(TEXT, wbits=-15)):
        collector = collect("deflate", wire, piece=1)
        assert collector.finish() == TEXT and not collector.note


def test_a_bomb_is_cut_at_the_limit_without_inflating_the_rest() -> None:
    wire = gzip.compress(b"\0" * 50_000_000)  # about 50 kB on the wire
    collector = collect("gzip", wire, limit=100_000, piece=4096)
    body = collector.finish()
    assert len(body) == 100_000 and collector.truncated
    assert "cut at 100,000 bytes" in collector.note


def test_an_identity_body_over_the_limit_is_cut_too() -> None:
    collector = collect("", TEXT, limit=1000)
    assert len(collector.finish()) == 1000 and collector.truncated
    assert collector.wire_size == len(TEXT)


def test_a_body_that_is_not_gzip_is_shown_as_received() -> None:
    collector = collect("gzip", b"plain text, not gzip")
    assert collector.finish() == b"plain text, not gzip"
    assert "could not be decoded as gzip" in collector.note


def test_a_cut_gzip_stream_says_so() -> None:
    wire = gzip.compress(TEXT)[:-20]
    collector = collect("gzip", wire)
    assert TEXT.startswith(collector.finish())
    assert "ends before its end marker" in collector.note


def test_an_unknown_encoding_is_not_decoded() -> None:
    collector = collect("br", b"\x8b\x02\x80")
    assert collector.finish() == b"\x8b\x02\x80"
    assert collector.note.startswith("Content-Encoding br is not decoded")


def spooled(encoding: str, wire: bytes, policy: SpoolPolicy, piece: int = 65536) -> BodyCollector:
    collector = BodyCollector(encoding, policy.over, policy)
    for i in range(0, len(wire), piece):
        collector.add(wire[i : i + piece])
    return collector


def test_a_large_gzip_body_is_spooled_decoded_and_whole(tmp_path: Path) -> None:
    text = b"".join(b"line %d of a long log\n" % n for n in range(400_000))  # ~9 MB
    wire = gzip.compress(text)
    collector = spooled("gzip", wire, SpoolPolicy(str(tmp_path), over=1_000_000))
    body = collector.finish()
    assert body == text[:1_000_000] and collector.truncated and not collector.cut
    assert collector.size == len(text) and collector.wire_size == len(wire) < len(text)
    assert Path(collector.body_file).read_bytes() == text and not collector.note


def test_a_bomb_is_cut_at_the_inflation_cap_even_with_a_spool(tmp_path: Path) -> None:
    wire = gzip.compress(b"\0" * 50_000_000)
    policy = SpoolPolicy(str(tmp_path), over=100_000, max_inflated=3_000_000)
    collector = spooled("gzip", wire, policy, piece=4096)
    assert len(collector.finish()) == 100_000 and collector.cut
    assert collector.size == 3_000_000 == Path(collector.body_file).stat().st_size
    assert "cut at 3,000,000 bytes" in collector.note


def test_a_discarded_spool_leaves_no_file(tmp_path: Path) -> None:
    collector = spooled("", b"x" * 300_000, SpoolPolicy(str(tmp_path), over=100_000))
    assert list(tmp_path.iterdir())  # spooling while the body flows
    collector.discard()
    assert list(tmp_path.iterdir()) == []
