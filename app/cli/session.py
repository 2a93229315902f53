"""One command's run: a Reactor in the main thread, its end conditions and its exit code.

The command's net objects run on the loop exactly as they do in a tab's worker. The run
ends when the command says it is done, after `--duration`, at `--count` messages, or on
SIGINT/SIGTERM; each way prints the summary. Exit codes: 0 success, 1 a network failure
(refused, unreachable, no reply when one was awaited), 2 bad usage or bad input (argparse
and the commands' own checks, before anything is sent).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType

from app.cli.output import EventPrinter, OutputOptions
from app.net.reactor import Reactor

OK, NETWORK_FAILURE, BAD_INPUT = 0, 1, 2


class UsageError(ValueError):
    """Bad input found by a command before it started (exit 2, the reason on stderr)."""


class Session:
    def __init__(
        self,
        options: OutputOptions,
        duration: float | None = None,
        count: int | None = None,
        events_to_stderr: bool = False,
    ) -> None:
        self.reactor = Reactor()
        self.printer = EventPrinter(
            options, events_out=sys.stderr.buffer if events_to_stderr else None
        )
        self.totals = self.printer.totals
        self.failure = ""  # set by the command: why the run failed (exit 1)
        # What a command adds to the summary, set by its stop(): lines under the totals
        # line, and fields of the `--json` summary object.
        self.report_lines: list[str] = []
        self.report_json: dict[str, object] = {}
        self.exit_code: int | None = None  # a command's own code (send http --fail: 22)
        self._json = options.json
        self._duration = duration
        self._count = count
        self._stopped_by = ""
        self.reactor.add_idle_hook(self._flush)

    # -- for the commands --------------------------------------------------------------

    def fail(self, reason: str) -> None:
        if not self.failure:
            self.failure = reason
        self.finish()

    def finish(self) -> None:
        self.reactor.stop()

    def count_reached(self) -> bool:
        return self._count is not None and self.totals.counted >= self._count

    # -- running -----------------------------------------------------------------------

    def run(self, start: Callable[[], None], stop: Callable[[], None]) -> int:
        """Run `start` on the loop, then the loop until the end; `stop` releases it all."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        reactor = self.reactor
        try:
            reactor.call_soon(start)
            if self._duration is not None:
                reactor.call_later(self._duration, self.finish)
            reactor.run()
            stop()
            code = self._exit_code()
            if self._json:
                self._write_json_summary(code)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            reactor.close()
            self.printer.close()
        self._report()
        return code

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopped_by = signal.Signals(signum).name
        self.reactor.stop()

    def _flush(self) -> float | None:
        self.printer.flush()
        if self.count_reached():
            self.finish()
        return None

    def _exit_code(self) -> int:
        if self.failure:
            return NETWORK_FAILURE
        return OK if self.exit_code is None else self.exit_code

    def _write_json_summary(self, code: int) -> None:
        import json

        summary: dict[str, object] = self.totals.as_json()
        summary.update(self.report_json)
        summary["stopped_by"] = self._stopped_by
        summary["failure"] = self.failure
        summary["exit_code"] = code
        # app.export.jsonl_format.SUMMARY_KEY: its reader skips this record (not imported
        # here: the command line's start-up is measured).
        self.printer.write_line(json.dumps({"summary": summary}, separators=(",", ":")).encode())

    def _report(self) -> None:
        lines = [self.totals.summary()]
        if self._stopped_by:
            lines[0] += f" (stopped by {self._stopped_by})"
        lines += [f"socket-tester: {line}" for line in self.report_lines]
        lines += [f"socket-tester: {error}" for error in self.printer.file_errors]
        if self.failure:
            lines.append(f"socket-tester: failed: {self.failure}")
        for line in lines:
            print(line, file=sys.stderr, flush=True)
