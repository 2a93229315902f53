"""What a command prints: one line per event on stdout, files as in the GUI, a summary.

Lines are the log's own text form (the GUI's text export: time, source, kind, peer,
bytes, data as escaped text), or hex data with `--show-hex`, or JSON Lines in the
schema of the GUI's `.jsonl` export with `--json`. Output is written in batches and
flushed whenever the loop is about to wait, so a pipe sees each event as it happens
and a flood costs one write per loop turn, not one per event.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import BinaryIO, NamedTuple, Protocol

from app.net.events import Kind, LogEvent
from app.payload import escape_bytes
from app.units import format_bytes, format_duration, plural


class OutputOptions(NamedTuple):
    json: bool = False
    show_hex: bool = False
    quiet: bool = False
    pcapng: str = ""
    record: str = ""


class _Encoder(Protocol):
    def header(self) -> bytes: ...

    def encode(self, events: Sequence[LogEvent]) -> bytes: ...


class _TextLines:
    """The text export's lines; with `show_hex` the data column is hex."""

    def __init__(self, show_hex: bool) -> None:
        from app.export.text_format import TextEncoder

        self._text = TextEncoder()
        self._show_hex = show_hex

    def header(self) -> bytes:
        return b""

    def encode(self, events: Sequence[LogEvent]) -> bytes:
        if self._show_hex:
            events = [_shown(e, e.data.hex(" ")) if e.data else e for e in events]
        elif any(e.data and e.message.startswith(_RTT) for e in events):
            events = [
                _shown(e, escape_bytes(e.data)) if e.data and e.message.startswith(_RTT) else e
                for e in events
            ]
        return self._text.encode(events)


_RTT = "RTT "  # how app/net/round_trip_events.rtt_note starts a reply's message


def _shown(event: LogEvent, data_text: str) -> LogEvent:
    """The data column as `data_text`, followed by a reply's `RTT 0.21 ms` as in the GUI's
    rows (the text export shows a row's data or its message, never both)."""
    note = event.message
    if note.startswith(_RTT):
        return event._replace(data=b"", message=f"{data_text}  {note}")
    return event._replace(data=b"", message=data_text)


def _stdout_encoder(options: OutputOptions) -> _Encoder:
    if options.json:
        from app.export.jsonl_format import JsonlEncoder

        return JsonlEncoder()
    return _TextLines(options.show_hex)


class _FileOut:
    """One output file and its encoder; a write error ends the file, not the command."""

    def __init__(self, path: str, encoder: _Encoder) -> None:
        self.path = path
        self._encoder = encoder
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._file.write(encoder.header())

    def write(self, events: Sequence[LogEvent]) -> str:
        if self._file is None:
            return ""
        try:
            self._file.write(self._encoder.encode(events))
        except OSError as exc:
            self.close()
            return f"writing {self.path} stopped: {exc.strerror or exc}"
        return ""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _is_received(event: LogEvent) -> bool:
    return event.kind is Kind.RECEIVED


class Totals:
    """What the summary says; counts every event whatever is printed."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.sent = self.sent_bytes = self.received = self.received_bytes = self.errors = 0
        self.first_error = ""
        # What `--count` counts: messages received unless the command says otherwise.
        self.counts: Callable[[LogEvent], bool] = _is_received
        self.counted = 0
        # Error rows that are warnings the person asked for (TLS with --insecure): shown
        # and counted, but not a failure of the run.
        self.warnings: frozenset[str] = frozenset()
        self.warned = 0

    def add(self, event: LogEvent) -> None:
        if self.counts(event):
            self.counted += 1
        kind = event.kind
        if kind is Kind.RECEIVED:
            self.received += 1
            self.received_bytes += event.size
        elif kind is Kind.SENT:
            self.sent += 1
            self.sent_bytes += event.size
        elif kind is Kind.ERROR:
            if event.message in self.warnings:
                self.warned += 1
            else:
                self.add_error(event.message)

    def add_error(self, reason: str) -> None:
        """Count a failure; the first one is what the exit line names."""
        self.errors += 1
        if not self.first_error:
            self.first_error = reason

    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-9)

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "sent_bytes": self.sent_bytes,
            "received": self.received,
            "received_bytes": self.received_bytes,
            "errors": self.errors,
            "seconds": round(self.elapsed(), 6),
        }

    def summary(self, what: str = "message") -> str:
        elapsed = self.elapsed()
        moved = self.sent + self.received
        parts = [
            f"sent {plural(self.sent, what)} ({format_bytes(self.sent_bytes)})",
            f"received {plural(self.received, what)} ({format_bytes(self.received_bytes)})",
            f"in {format_duration(elapsed)}",
        ]
        if moved >= 1000:  # a rate of a handful of messages says nothing
            parts.append(f"{moved / elapsed:,.0f} {what}s/s")
        if self.errors:
            parts.append(plural(self.errors, "error"))
        if self.warned:
            parts.append(plural(self.warned, "warning"))
        return "socket-tester: " + ", ".join(parts)


class EventPrinter:
    """Takes events from the net objects (in the loop thread) and writes them out."""

    def __init__(
        self,
        options: OutputOptions,
        stdout: BinaryIO | None = None,
        events_out: BinaryIO | None = None,
    ) -> None:
        """Event lines go to `events_out` (stderr for `send http`, whose stdout is the
        body), else to `stdout`, where `write_line` writes too."""
        self.totals = Totals()
        self._quiet = options.quiet
        self._lines_out = stdout if stdout is not None else sys.stdout.buffer
        self._stdout = events_out if events_out is not None else self._lines_out
        self._encoder = _stdout_encoder(options)
        self._pending: list[LogEvent] = []
        self._files: list[_FileOut] = []
        self.file_errors: list[str] = []
        if options.pcapng:
            from app.export.pcapng_format import PcapngEncoder

            self._files.append(_FileOut(options.pcapng, PcapngEncoder()))
        if options.record:
            from app.export.jsonl_format import JsonlEncoder

            self._files.append(_FileOut(options.record, JsonlEncoder()))
        self._keep = bool(self._files) or not self._quiet
        self._reader_left = False

    def sink(self, event: LogEvent) -> None:
        self.totals.add(event)
        if self._keep:
            self._pending.append(event)

    def sink_many(self, events: Sequence[LogEvent]) -> None:
        add = self.totals.add
        for event in events:
            add(event)
        if self._keep:
            self._pending.extend(events)

    def flush(self) -> None:
        events, self._pending = self._pending, []
        if not events:
            return
        for out in self._files:
            error = out.write(events)
            if error:
                self.file_errors.append(error)
        if self._quiet:
            return
        try:
            self._stdout.write(self._encoder.encode(events))
            self._stdout.flush()
        except BrokenPipeError:
            # `| head`: the reader left; the command still ends cleanly
            self._quiet = self._reader_left = True

    def write_line(self, line: bytes) -> None:
        """One line on stdout after the events, even with --quiet (the `--json` summary)."""
        self.flush()
        if self._reader_left:
            return
        try:
            self._lines_out.write(line + b"\n")
            self._lines_out.flush()
        except BrokenPipeError:
            self._reader_left = True

    def close(self) -> None:
        self.flush()
        for out in self._files:
            out.close()
