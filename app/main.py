"""The entry point: the command line, then the GUI (app.ui.application builds it)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TYPE_CHECKING

from app import __version__
from app.cli import is_command

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

# Set to 1, the app prints one line as soon as its window is shown and quits: what the
# start-up benchmark times, frozen and from source alike, without a flag in --help.
STARTUP_PROBE_ENV = "SOCKET_TESTER_STARTUP_PROBE"
STARTUP_PROBE_LINE = "socket-tester: window shown"


def parse_args(argv: list[str]) -> argparse.Namespace:
    if not argv:
        # The window, as a desktop launcher starts it: building the parser would look up
        # translations of its messages (importing locale) for nothing, 2 ms of start-up.
        return argparse.Namespace(self_test=False)
    from app.cli.arguments import TOP_HELP

    parser = argparse.ArgumentParser(
        prog="socket-tester",
        description="Talk TCP, UDP and HTTP on your machine and watch every byte. "
        "Commands (send, listen, serve) run without a window: see `socket-tester send --help`.",
        epilog=TOP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"socket-tester {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run every tab against loopback peers offscreen, print one line per step, "
        "exit 0 when all pass",
    )
    return parser.parse_args(argv)


def ensure_standard_streams() -> None:
    """Give a windowed build somewhere to print, and never a None stream to write to.

    A Windows/macOS windowed executable starts with sys.stdout and sys.stderr set to None:
    any stray write (argparse, a library's logging) would raise. On Windows, output of
    --version and --self-test goes to the console the program was started from, if any.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        _attach_parent_console()
    devnull = None
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            if devnull is None:
                devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives on
            setattr(sys, name, devnull)


def _attach_parent_console() -> None:
    import ctypes

    attach_parent_process = -1
    try:
        if not ctypes.windll.kernel32.AttachConsole(attach_parent_process):  # type: ignore[attr-defined]
            return
        for name in ("stdout", "stderr"):
            if getattr(sys, name) is None:
                setattr(sys, name, open("CONOUT$", "w", encoding="utf-8"))  # noqa: SIM115
    except (AttributeError, OSError):
        pass


def _report_shown_and_quit(app: QApplication) -> None:
    print(STARTUP_PROBE_LINE, flush=True)
    app.quit()


def main(argv: list[str] | None = None) -> int:
    ensure_standard_streams()
    argv = sys.argv[1:] if argv is None else argv
    if is_command(argv):
        # A command imports no Qt at all: it starts as fast as Python does.
        from app.cli.entry import run

        return run(argv)
    args = parse_args(argv)
    if args.self_test:
        # Imported only here: a normal start does not pay for the self-test's modules.
        from app.self_test import run_self_test_cli

        return run_self_test_cli()
    # Start-up makes some 40,000 objects that live as long as the window, and collecting
    # them while they are made finds nothing to free (some 55 passes, 11 ms of start-up).
    # The collector resumes with the event loop, once create_main_window has frozen them.
    gc.disable()
    from PySide6.QtCore import QTimer

    from app.platform_check import exit_if_platform_unusable
    from app.ui.application import create_main_window, ensure_application

    # Before Qt loads its platform plugin: a missing system library is one clear message
    # and exit code, not Qt's abort.
    exit_if_platform_unusable()
    app = ensure_application()
    window = create_main_window()
    # From here on a bug in a slot or a thread is an error row with its traceback in the
    # log (and Qt's warnings are rows too), never a silent dead tab or text on stderr.
    from app.ui.fault_routing import FaultRouter

    router = FaultRouter()
    router.events.connect(window.log_pane.add_events)
    router.install()
    window.show()
    if os.environ.get(STARTUP_PROBE_ENV) == "1":
        # Zero-time timer: runs on the event loop's first pass, once the show is processed.
        QTimer.singleShot(0, lambda: _report_shown_and_quit(app))
    gc.enable()
    return app.exec()


def __getattr__(name: str) -> object:
    # `from app.main import create_main_window` still works, without Qt for a command.
    if name == "create_main_window":
        from app.ui.application import create_main_window

        return create_main_window
    raise AttributeError(f"module 'app.main' has no attribute {name!r}")


if __name__ == "__main__":
    raise SystemExit(main())
