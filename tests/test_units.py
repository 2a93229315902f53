"""The one unit policy: decimal sizes and rates, exact below 1,000, separators on counts."""

from app.units import format_bytes, format_duration, format_latency, format_rate, plural


def test_plural() -> None:
    assert plural(1, "client") == "1 client"
    assert plural(0, "client") == "0 clients"
    assert plural(1000, "reply", "replies") == "1,000 replies"


def test_bytes_and_rates() -> None:
    assert format_bytes(0) == "0 B"
    assert format_bytes(999) == "999 B"
    assert format_bytes(1000) == "1.0 kB"
    assert format_bytes(12_345) == "12.3 kB"
    assert format_bytes(4_100_000_000) == "4.1 GB"
    assert format_bytes(5 * 10**15) == "5,000.0 TB"
    assert format_rate(850) == "850 B/s"
    assert format_rate(25_600_000) == "25.6 MB/s"


def test_durations() -> None:
    assert format_duration(0.00021) == "0.21 ms"
    assert format_duration(0.85) == "850 ms"
    assert format_duration(12.44) == "12.4 s"
    assert format_duration(185) == "3 min 05 s"
    assert format_duration(7380) == "2 h 03 min"


def test_latencies_keep_three_significant_digits() -> None:
    assert format_latency(0.00021) == "0.21 ms"
    assert format_latency(0.0000312) == "0.0312 ms"
    assert format_latency(0.0) == "0 ms"
    assert format_latency(0.0000004) == "0.0004 ms"
    assert format_latency(0.0201) == "20.1 ms"
    assert format_latency(0.25) == "250 ms"
    assert format_latency(1.25) == "1.25 s"
    assert format_latency(250) == "4 min 10 s"
