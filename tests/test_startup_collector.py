"""The window's start-up runs without the cyclic collector, and the event loop with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.main import STARTUP_PROBE_ENV, parse_args

ROOT = Path(__file__).resolve().parents[1]

# Runs app.main.main() as `python -m app` would, with QApplication.exec replaced by a report
# of the collector's state at the moment the event loop would start.
LOOP_PROBE = r"""
import gc
from PySide6.QtWidgets import QApplication

def report_instead_of_looping(self):
    print("collector", gc.isenabled(), "frozen", gc.get_freeze_count(), flush=True)
    return 0

QApplication.exec = report_instead_of_looping
from app.main import main
raise SystemExit(main([]))
"""


def test_collection_resumes_with_the_event_loop_over_frozen_start_up_objects(
    tmp_path: Path,
) -> None:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SOCKET_TESTER_SETTINGS"] = str(tmp_path / "settings.ini")
    env.pop(STARTUP_PROBE_ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", LOOP_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:2] == ["collector", "True"], done.stdout
    # The window's objects (tens of thousands) were frozen before collection resumed.
    assert int(words[3]) > 10_000, done.stdout


def test_a_plain_start_needs_no_parser_and_flags_still_parse() -> None:
    assert parse_args([]).self_test is False
    assert parse_args(["--self-test"]).self_test is True
