"""Start-up to the window shown, and bundle sizes: source vs one-folder vs single file.

Each program is started with SOCKET_TESTER_STARTUP_PROBE=1 (offscreen, a scratch settings
file): it prints one line on the event loop's first pass after the window is shown and
quits. The figure is the time from spawning the process to reading that line, the median
of several rounds in which every variant starts once, side by side (so a busy moment hits
all of them alike). A bare PySide6 QMainWindow with a QTabWidget, started the same way,
is the floor. The frozen builds are measured when dist/ holds them (`pyinstaller
build.spec`, with SOCKET_TESTER_ONEFILE=1 for the single file).

Run alone: python -m tests.benchmarks.bench_startup
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.main import STARTUP_PROBE_ENV, STARTUP_PROBE_LINE
from tests.benchmarks.gui_harness import figure

ROOT = Path(__file__).resolve().parents[2]
ONEDIR = (
    ROOT / "dist" / "socket-tester" / ("socket-tester.exe" if os.name == "nt" else "socket-tester")
)
ONEFILE = (
    ROOT / "dist" / ("socket-tester-portable.exe" if os.name == "nt" else "socket-tester-portable")
)
ROUNDS = 7
TIMEOUT_S = 60.0

BARE_WINDOW = f"""
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QTabWidget())
window.show()
def shown():
    print({STARTUP_PROBE_LINE!r}, flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def _env(settings_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env[STARTUP_PROBE_ENV] = "1"
    env["SOCKET_TESTER_SETTINGS"] = os.path.join(settings_dir, "settings.ini")
    return env


def time_to_window(command: list[str], env: dict[str, str]) -> float:
    """Milliseconds from spawning `command` to its window-shown line."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    elapsed = None
    for line in process.stdout:
        if STARTUP_PROBE_LINE in line:
            elapsed = (time.perf_counter() - start) * 1000
            break
    process.stdout.close()
    code = process.wait(TIMEOUT_S)
    if elapsed is None:
        raise RuntimeError(f"{command[0]} exited {code} without showing its window")
    return elapsed


def size_mb(path: Path) -> float:
    """Bytes on disk in MB (10^6), as `du -sb` counts them; symlinks count as links."""
    if path.is_file():
        return path.stat().st_size / 1e6
    total = 0
    for item in path.rglob("*"):
        if not item.is_symlink() and item.is_file():
            total += item.stat().st_size
    return total / 1e6


def compile_bytecode() -> None:
    """Write app/'s bytecode caches, as any installation has them.

    With PYTHONDONTWRITEBYTECODE set (as on this project's machines) `python -m app` would
    otherwise compile every module from source on every start, which no user's install
    does; the frozen build ships bytecode too.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "app")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(rounds: int = ROUNDS) -> dict[str, float]:
    """Median start-up in ms per variant present."""
    compile_bytecode()
    variants = {
        "bare": [sys.executable, "-c", BARE_WINDOW],
        "source": [sys.executable, "-m", "app"],
    }
    if ONEDIR.exists():
        variants["onedir"] = [str(ONEDIR)]
    if ONEFILE.exists():
        variants["onefile"] = [str(ONEFILE)]
    samples: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="st-bench-startup-") as settings_dir:
        env = _env(settings_dir)
        # One unmeasured round: the first start of each reads its files from disk.
        for command in variants.values():
            time_to_window(command, env)
        for _ in range(rounds):
            for name, command in variants.items():
                samples[name].append(time_to_window(command, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def run() -> list[dict[str, object]]:
    times = measure()
    bare, source = times["bare"], times["source"]
    figures = [
        figure("start-up: bare PySide6 window", bare, "ms", None, "floor", True),
        figure(
            "start-up: python -m app (to window shown)",
            source,
            "ms",
            bare,
            "<= 2x bare window",
            source <= 2 * bare,
        ),
    ]
    if "onedir" in times:
        onedir = times["onedir"]
        figures.append(
            figure(
                "start-up: one-folder build",
                onedir,
                "ms",
                source,
                "<= 1.2x python -m app",
                onedir <= 1.2 * source,
            )
        )
        size = size_mb(ONEDIR.parent)
        # 100 MB before TLS; issue 15 allows 105 MB with libssl, libcrypto and certifi in.
        figures.append(figure("size: one-folder build", size, "MB", None, "<= 105 MB", size <= 105))
    if "onefile" in times:
        onefile = times["onefile"]
        figures.append(
            figure("start-up: single file", onefile, "ms", source, "<= 1200 ms", onefile <= 1200)
        )
        size = size_mb(ONEFILE)
        figures.append(figure("size: single file", size, "MB", None, "<= 45 MB", size <= 45))
    return figures


if __name__ == "__main__":
    from tests.benchmarks.__main__ import print_table

    print_table(run())
