"""The xcb library check that runs before the QApplication exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform_check import (
    EXIT_MISSING_LIBRARIES,
    XCB_LIBRARIES,
    exit_if_platform_unusable,
    missing_libraries,
    missing_message,
    will_use_xcb,
)

ROOT = Path(__file__).resolve().parents[1]


def refusing(*absent: str):  # type: ignore[no-untyped-def]
    """A loader that fails, as dlopen does, for the sonames given."""

    def load(soname: str) -> object:
        if soname in absent:
            raise OSError(f"{soname}: cannot open shared object file")
        return object()

    return load


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb:nograb"}, "linux", True),
        ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_will_use_xcb(environ: dict[str, str], platform: str, expected: bool) -> None:
    assert will_use_xcb(environ, platform) is expected


def test_all_present_returns_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    exit_if_platform_unusable({"QT_QPA_PLATFORM": "xcb"}, refusing(), frozen=False)
    assert capsys.readouterr().err == ""


def test_missing_ones_are_named_with_the_install_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    absent = ("libxcb-cursor.so.0", "libxkbcommon-x11.so.0")
    assert missing_libraries(refusing(*absent)) == list(absent)
    with pytest.raises(SystemExit) as exit_info:
        exit_if_platform_unusable({"QT_QPA_PLATFORM": "xcb"}, refusing(*absent), frozen=False)
    assert exit_info.value.code == EXIT_MISSING_LIBRARIES
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0, libxkbcommon-x11.so.0" in err
    assert "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0\n" in err


def test_not_checked_offscreen_nor_in_the_frozen_build() -> None:
    every = refusing(*XCB_LIBRARIES)
    exit_if_platform_unusable({"QT_QPA_PLATFORM": "offscreen"}, every, frozen=False)
    exit_if_platform_unusable({"QT_QPA_PLATFORM": "xcb"}, every, frozen=True)


def test_the_list_is_the_one_the_readme_gives() -> None:
    assert list(XCB_LIBRARIES.values()) == [
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-image0",
        "libxcb-keysyms1",
        "libxcb-render-util0",
        "libxcb-shape0",
        "libxcb-xkb1",
        "libxkbcommon-x11-0",
    ]
    assert missing_message(["libxcb-shape.so.0"]).endswith("sudo apt-get install libxcb-shape0\n")


def test_the_real_loader_finds_a_library_this_machine_has_and_not_a_made_up_one() -> None:
    assert missing_libraries(refusing()) == []
    from app.platform_check import _dlopen

    _dlopen("libc.so.6")
    with pytest.raises(OSError):
        _dlopen("libsocket-tester-no-such-library.so.0")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux only")
def test_the_program_exits_with_the_message_when_a_library_is_missing(tmp_path: Path) -> None:
    # A real start with the check's loader refusing one library: no Qt abort, our message.
    script = (
        "import app.platform_check as check\n"
        "real = check._dlopen\n"
        "def load(name):\n"
        "    if name == 'libxcb-icccm.so.4':\n"
        "        raise OSError(name)\n"
        "    return real(name)\n"
        "check.exit_if_platform_unusable.__defaults__ = (None, load, None)\n"
        "from app.main import main\n"
        "raise SystemExit(main([]))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", SOCKET_TESTER_SETTINGS=str(tmp_path / "s.ini"))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == EXIT_MISSING_LIBRARIES, result.stderr
    assert "libxcb-icccm.so.4" in result.stderr
    assert "sudo apt-get install libxcb-icccm4" in result.stderr
