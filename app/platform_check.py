"""Before the QApplication exists: can Qt's xcb platform plugin load on this Linux?

Without one of the libraries below Qt aborts with "could not load the Qt platform plugin
"xcb"", which names none of them. This check names the missing ones and the command that
installs them, and the program exits with an error instead. It loads each library the
way the plugin would (the plugin then finds them loaded), about 1 ms in all; it is not
run when Qt will not use xcb, nor in the frozen build, which bundles these libraries
(see build.spec).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

# soname -> the Debian/Ubuntu package that ships it (a dict, not records: this module is
# imported on every start and must cost next to nothing).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}

EXIT_MISSING_LIBRARIES = 3

Loader = Callable[[str], object]


def _dlopen(soname: str) -> object:
    # _ctypes rather than ctypes: the same dlopen for a third of the import time.
    import _ctypes

    return _ctypes.dlopen(soname, os.RTLD_LAZY)


def will_use_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt will pick its xcb plugin on this system."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        # A list such as "wayland;xcb" is tried in order: only the first one must load.
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    wayland_session = environ.get("XDG_SESSION_TYPE") == "wayland" and bool(
        environ.get("WAYLAND_DISPLAY")
    )
    return not wayland_session


def missing_libraries(load: Loader = _dlopen) -> list[str]:
    """The sonames of XCB_LIBRARIES that `load` cannot load."""
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    return missing


def missing_message(missing: list[str]) -> str:
    names = ", ".join(missing)
    packages = " ".join(XCB_LIBRARIES[soname] for soname in missing)
    return (
        f"socket-tester: Qt's xcb platform needs libraries this system lacks: {names}.\n"
        f"Install them (Debian, Ubuntu) with:\n  sudo apt-get install {packages}\n"
    )


def exit_if_platform_unusable(
    environ: Mapping[str, str] | None = None,
    load: Loader = _dlopen,
    frozen: bool | None = None,
) -> None:
    """Print what is missing and exit EXIT_MISSING_LIBRARIES; return when all is there."""
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    if frozen or not will_use_xcb(os.environ if environ is None else environ):
        return
    missing = missing_libraries(load)
    if missing:
        if sys.stderr is not None:
            sys.stderr.write(missing_message(missing))
        raise SystemExit(EXIT_MISSING_LIBRARIES)
