"""The bucket histogram: percentiles within its stated 0.06 % of the exact nearest rank,
exact min, max and mean, and display buckets that add up to the count."""

from __future__ import annotations

import math
import random

from app.net.round_trip_histogram import DISPLAY_EDGES_NS, EXACT_LIMIT, RoundTripHistogram

RELATIVE_ERROR = 0.0006


def nearest_rank(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def test_percentiles_match_the_exact_nearest_rank_within_the_bucket_width() -> None:
    rng = random.Random(17)
    values = [int(rng.lognormvariate(math.log(50_000), 0.8)) for _ in range(EXACT_LIMIT * 2)]
    histogram = RoundTripHistogram()
    for value in values:
        histogram.record(value)
    got_all = histogram.percentiles(0.5, 0.95, 0.99)
    for fraction, got in zip((0.5, 0.95, 0.99), got_all, strict=True):
        exact = nearest_rank(values, fraction)
        assert abs(got - exact) <= exact * RELATIVE_ERROR, (fraction, got, exact)
    assert histogram.min_ns == min(values)
    assert histogram.max_ns == max(values)
    assert histogram.mean_ns == sum(values) / len(values)


def test_one_value_is_every_percentile_exactly() -> None:
    histogram = RoundTripHistogram()
    histogram.record(20_000_123)
    assert histogram.percentiles(0.5, 0.99) == (20_000_123, 20_000_123)


def test_empty_histogram_reports_zeros() -> None:
    histogram = RoundTripHistogram()
    assert histogram.percentiles(0.5) == (0,)
    assert histogram.mean_ns == 0.0
    assert sum(histogram.display_counts()) == 0


def test_values_outside_the_range_are_kept_at_both_ends() -> None:
    histogram = RoundTripHistogram()
    for value in (10, 500, 200 * 10**9):  # 10 ns, 0.5 µs, 200 s
        histogram.record(value)
    assert histogram.percentiles(0.01, 1.0) == (10, 200 * 10**9)
    display = histogram.display_counts()
    assert display[0] == 2 and display[-1] == 1


def test_display_buckets_are_five_per_decade_and_sum_to_the_count() -> None:
    assert len(DISPLAY_EDGES_NS) == 36
    assert DISPLAY_EDGES_NS[0] == 1_000 and round(DISPLAY_EDGES_NS[-1]) == 10**10
    histogram = RoundTripHistogram()
    for value in (1_500, 25_000, 25_100, 20_000_000, 11 * 10**9):
        histogram.record(value)
    display = histogram.display_counts()
    assert len(display) == 37 and sum(display) == 5
    # 25 µs lies in [10^(6/5), 10^(7/5)) µs = [15.8, 25.1) µs: bucket 7.
    assert display[7] == 2
    assert display[-1] == 1  # 11 s is past the last edge


def test_percentiles_are_exact_up_to_the_exact_limit() -> None:
    rng = random.Random(3)
    values = [rng.randrange(10_000, 90_000_000) for _ in range(1_001)]
    histogram = RoundTripHistogram()
    for value in values:
        histogram.record(value)
    got = histogram.percentiles(0.5, 0.95, 0.99)
    assert got == tuple(nearest_rank(values, f) for f in (0.5, 0.95, 0.99))
