"""Runs every benchmark on loopback and prints one table (and writes it as JSON).

Usage: python -m tests.benchmarks [--json PATH] [--only NAME ...]
Output: progress lines and one summary line per benchmark of what Qt (and stderr) said
on stderr, then the table on stdout.
Each benchmark module under tests/benchmarks/ named bench_*.py has `run()` returning a
list of figures: {"figure", "value", "unit", "baseline", "target", "met"?, "ratio"?}.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Importing gui_harness first sets offscreen Qt and scratch settings.
from tests.benchmarks.gui_harness import QtMessageTally, summarize_counts

Figure = dict[str, object]


def discover() -> list[str]:
    package = Path(__file__).parent
    return sorted(
        m.name for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_")
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import os

    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(figures: list[Figure]) -> None:
    rows = [("figure", "value", "unit", "baseline", "ratio", "target", "met")]
    for f in figures:
        value, baseline = f.get("value"), f.get("baseline")
        ratio = f.get("ratio")
        if ratio is None and isinstance(value, int | float) and isinstance(baseline, int | float):
            ratio = round(value / baseline, 3) if baseline else None
        met = f.get("met")
        rows.append(
            (
                str(f.get("figure")),
                _fmt(value),
                str(f.get("unit", "")),
                _fmt(baseline),
                _fmt(ratio),
                str(f.get("target", "")),
                "yes" if met is True else "NO" if met is False else "?",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if index == 0:
            print("-+-".join("-" * w for w in widths))


def run_one(name: str, json_path: str) -> int:
    """Run one benchmark module in this process; write its figures and what Qt said."""
    tally = QtMessageTally().install()
    from app.ui.application import ensure_application

    ensure_application()
    module = importlib.import_module(f"tests.benchmarks.{name}")
    figures = module.run()
    for item in figures:
        item.setdefault("benchmark", name)
    result = {"figures": figures, "qt_messages": dict(tally.counts)}
    Path(json_path).write_text(json.dumps(result), encoding="utf-8")
    # Whatever Qt says while exiting goes to stderr, which the parent counts too.
    tally.uninstall()
    return 0


class Outcome:
    """One benchmark's figures, and what its process said besides them."""

    def __init__(self, figures: list[Figure], qt_messages: dict[str, int], stderr: str) -> None:
        self.figures = figures
        self.qt_messages = qt_messages
        self.stderr_lines = [line for line in stderr.splitlines() if line.strip()]

    def summary_lines(self) -> list[str]:
        lines = [summarize_counts("Qt said", self.qt_messages)]
        lines.append(summarize_counts("stderr had", Counter(self.stderr_lines)))
        return [line for line in lines if line]


def run_isolated(name: str) -> Outcome:
    """Each benchmark gets a process of its own: memory figures start from a fresh app and
    no benchmark inherits another's threads, garbage, heap or settings (a tab's reply mode
    or framing left by the one before would change what is measured, or stall it). Its
    stderr goes to a file (a pipe could fill up during a long run) and is summarised, not
    shown line by line."""
    with tempfile.TemporaryDirectory(prefix="st-bench-") as scratch:
        out = Path(scratch) / "figures.json"
        err_path = Path(scratch) / "stderr.txt"
        env = {**os.environ, "SOCKET_TESTER_SETTINGS": str(Path(scratch) / "settings.ini")}
        with open(err_path, "wb") as err:
            code = subprocess.call(
                [sys.executable, "-m", "tests.benchmarks", "--one", name, "--json", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
        if code != 0 or not out.exists():
            # A failure is shown in full: its traceback is the point.
            tail = "\n".join(stderr.splitlines()[-40:])
            print(f"  {name} failed (exit {code}); its stderr ends with:\n{tail}", file=sys.stderr)
            failed: list[Figure] = [
                {"figure": f"{name} FAILED (exit {code})", "value": None, "met": False}
            ]
            return Outcome(failed, {}, "")
        result = json.loads(out.read_text(encoding="utf-8"))
        return Outcome(result["figures"], result["qt_messages"], stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument(
        "--json",
        # Outside the checkout by default: the project's top level holds only its own files.
        default=str(Path(tempfile.gettempdir()) / "socket-tester-benchmarks.json"),
        help="where to write the figures as JSON",
    )
    parser.add_argument("--only", nargs="*", default=None, help="module names, e.g. bench_udp")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one module, in-process
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args.one, args.json)

    figures: list[Figure] = []
    started = time.monotonic()
    for name in discover():
        if args.only and name not in args.only:
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        outcome = run_isolated(name)
        figures.extend(outcome.figures)
        print(f"  {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
        for line in outcome.summary_lines():
            print(f"  {name}: {line}", file=sys.stderr, flush=True)
    print(f"\nMachine: {machine()}\n")
    print_table(figures)
    print(f"\nTotal time: {time.monotonic() - started:.0f} s; figures as JSON in {args.json}")
    Path(args.json).write_text(
        json.dumps({"machine": machine(), "figures": figures}, indent=2), encoding="utf-8"
    )
    missed = [f for f in figures if f.get("met") is False]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
