"""A run's round trips at its end: one summary line, the `--json` numbers, `--rtt-csv`."""

from __future__ import annotations

from pathlib import Path

from app.cli.session import Session, UsageError
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot
from app.units import format_latency, plural


def describe(snapshot: RoundTripSnapshot) -> str:
    """`1,000 replies · min 0.1 ms · median … · p95 … · p99 … · max … · jitter … · 3 lost`;
    out of order and unmatched only when there were any."""
    parts = [plural(snapshot.replies, "reply", "replies")]
    if snapshot.replies:
        parts += [
            f"{name} {format_latency(ns / 1e9) if ns else '0 ms'}"
            for name, ns in (
                ("min", snapshot.min_ns),
                ("median", snapshot.median_ns),
                ("p95", snapshot.p95_ns),
                ("p99", snapshot.p99_ns),
                ("max", snapshot.max_ns),
                ("jitter", snapshot.jitter_ns),
            )
        ]
    parts.append(f"{snapshot.lost:,} lost")
    if snapshot.out_of_order:
        parts.append(f"{snapshot.out_of_order:,} out of order")
    if snapshot.unmatched:
        parts.append(f"{snapshot.unmatched:,} unmatched")
    return "round trips: " + " · ".join(parts)


def as_json(snapshot: RoundTripSnapshot) -> dict[str, object]:
    """The numbers, times in milliseconds (nanosecond digits); null times without replies."""
    replied = snapshot.replies > 0

    def ms(ns: float) -> float | None:
        return round(ns / 1e6, 6) if replied else None

    return {
        "replies": snapshot.replies,
        "lost": snapshot.lost,
        "out_of_order": snapshot.out_of_order,
        "unmatched": snapshot.unmatched,
        "min_ms": ms(snapshot.min_ns),
        "median_ms": ms(snapshot.median_ns),
        "p95_ms": ms(snapshot.p95_ns),
        "p99_ms": ms(snapshot.p99_ns),
        "max_ms": ms(snapshot.max_ns),
        "mean_ms": ms(snapshot.mean_ns),
        "jitter_ms": ms(snapshot.jitter_ns),
    }


def check_csv_path(path: str) -> None:
    """Refuse a `--rtt-csv` path whose folder does not exist before anything is sent."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise UsageError(f"--rtt-csv: {folder} is not a folder")


def report(session: Session, recorder: RoundTripRecorder, csv_path: str = "") -> None:
    """Add the round trips to the session's summary; write the CSV when asked."""
    snapshot = recorder.snapshot()
    session.report_lines.append(describe(snapshot))
    session.report_json["round_trips"] = as_json(snapshot)
    if not csv_path:
        return
    from app.export.file_export import ExportError
    from app.export.round_trip_csv import write_round_trips

    try:
        rows = write_round_trips(csv_path, recorder.records())
    except ExportError as exc:
        session.printer.file_errors.append(f"--rtt-csv: {exc}")
        return
    session.report_lines.append(f"wrote {plural(rows, 'exchange')} to {csv_path}")
