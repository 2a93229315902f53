"""Closing the window while every tab is busy ends the process within 2 s, exit code 0."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_close_while_tcp_udp_http_are_busy_exits_fast_and_clean() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "tests.lifecycle.busy_app"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        closing_at = None
        lines = []
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("closing"):
                closing_at = time.monotonic()
                break
        if closing_at is None:
            child.kill()
        assert closing_at is not None, (lines, child.stderr.read())
        code = child.wait(timeout=30)
        exit_after = time.monotonic() - closing_at
        stderr = child.stderr.read()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert "QThread: Destroyed" not in stderr, stderr
    # The requirement is 2 s; a loaded CI machine gets a little slack on top.
    assert exit_after < 3.0, f"exited {exit_after:.2f} s after the window closed"
