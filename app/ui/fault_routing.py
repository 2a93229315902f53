"""Routes unexpected exceptions and Qt warnings into the log instead of a dead tab or stderr.

A bug inside a slot or a worker must become an error row whose detail holds the
traceback (for a bug report), never a modal dialog, an abort or silence. stderr may be
None in a windowed build, so nothing here writes to it.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, QtMsgType, Signal, qInstallMessageHandler

from app.net.events import Kind, LogEvent, Source, make_event

# Qt repeats some warnings endlessly (fonts, platform plugin quirks): show each text once.
_MAX_DISTINCT_QT_MESSAGES = 200


class FaultRouter(QObject):
    """Turns faults from any thread into LogEvents delivered in the GUI thread."""

    events = Signal(object)  # list[LogEvent]

    def __init__(self) -> None:
        super().__init__()
        self._seen_qt_messages: set[str] = set()
        self._previous_excepthook: Callable[..., object] | None = None
        self._previous_threading_hook: Callable[..., object] | None = None

    def install(self) -> None:
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._threading_excepthook
        qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        if self._previous_excepthook is not None:
            sys.excepthook = self._previous_excepthook  # type: ignore[assignment]
        if self._previous_threading_hook is not None:
            threading.excepthook = self._previous_threading_hook  # type: ignore[assignment]
        qInstallMessageHandler(None)

    def report(self, exc: BaseException, where: str) -> None:
        text = "".join(traceback.format_exception(exc))
        self._emit(
            make_event(
                Source.APP,
                Kind.ERROR,
                f"Internal error in {where}: {type(exc).__name__}: {exc} "
                "(select this row for the traceback)",
                detail=text,
            )
        )

    def _emit(self, event: LogEvent) -> None:
        # Emitting from a non-GUI thread queues the delivery to the GUI thread.
        self.events.emit([event])

    def _excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return
        self.report(exc.with_traceback(tb), "the application")

    def _threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(args.exc_value, f"thread {name!r}")

    def _qt_message(self, kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            return
        if message in self._seen_qt_messages:
            return
        if len(self._seen_qt_messages) < _MAX_DISTINCT_QT_MESSAGES:
            self._seen_qt_messages.add(message)
        severity = (
            Kind.ERROR if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) else Kind.INFO
        )
        self._emit(make_event(Source.APP, severity, f"Qt: {message}"))
