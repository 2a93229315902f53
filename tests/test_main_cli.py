"""The command line: --version and bad flags answer without a display or a window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.main import STARTUP_PROBE_ENV, STARTUP_PROBE_LINE, ensure_standard_streams

ROOT = Path(__file__).resolve().parents[1]


def run_app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def no_display_env() -> dict[str, str]:
    """No X11/Wayland display and no Qt platform: a window would fail to open here."""
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", STARTUP_PROBE_ENV):
        env.pop(name, None)
    return env


def test_version_prints_and_exits_without_a_display() -> None:
    result = run_app("--version", env=no_display_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"socket-tester {__version__}"


def test_unknown_flag_exits_2_with_usage() -> None:
    result = run_app("--no-such-flag", env=no_display_env())
    assert result.returncode == 2
    assert "usage: socket-tester" in result.stderr
    assert "--no-such-flag" in result.stderr
    assert result.stdout == ""


def test_help_lists_self_test() -> None:
    result = run_app("--help", env=no_display_env())
    assert result.returncode == 0
    assert "--self-test" in result.stdout
    assert "--version" in result.stdout


def test_startup_probe_shows_the_window_and_quits(tmp_path: Path) -> None:
    env = no_display_env()
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SOCKET_TESTER_SETTINGS"] = str(tmp_path / "settings.ini")
    env[STARTUP_PROBE_ENV] = "1"
    result = run_app(env=env)
    assert result.returncode == 0, result.stderr
    assert STARTUP_PROBE_LINE in result.stdout
    assert "Traceback" not in result.stderr


def test_a_windowed_build_without_streams_gets_harmless_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Windows/macOS windowed executable starts with both set to None.
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    ensure_standard_streams()
    stdout, stderr = sys.stdout, sys.stderr
    try:
        assert stdout is not None and stderr is not None
        print("nobody reads this", flush=True)
        stderr.write("nor this\n")
    finally:
        for stream in {id(stdout): stdout, id(stderr): stderr}.values():
            if stream is not None:
                stream.close()


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_but_the_package_entry_imports_main() -> None:
    # The window is built by app.ui.application, which main and the self-test share.
    importers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "app").rglob("*.py"))
        if "app.main" in _imported_modules(path)
    ]
    assert importers == ["app/__main__.py"]
    assert not any(m.startswith("app.main") for m in _imported_modules(ROOT / "app/self_test.py"))
    assert "app.ui.application" in _imported_modules(ROOT / "app/self_test.py")
