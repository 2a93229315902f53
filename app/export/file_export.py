"""Writes a list of events to a file in the format its extension names, with progress."""

from __future__ import annotations

import enum
import errno
import os
from collections.abc import Callable, Sequence
from typing import Protocol

from app.export.csv_format import CsvEncoder
from app.export.jsonl_format import JsonlEncoder
from app.export.pcapng_format import PcapngEncoder
from app.export.text_format import TextEncoder
from app.net.events import LogEvent

# Events per encode() call: large enough that per-chunk costs vanish, small enough that
# progress and cancel answer within a few milliseconds.
CHUNK = 5_000


class EventEncoder(Protocol):
    def header(self) -> bytes: ...

    def encode(self, events: Sequence[LogEvent]) -> bytes: ...


class ExportFormat(enum.Enum):
    TEXT = ".txt"
    CSV = ".csv"
    JSONL = ".jsonl"
    PCAPNG = ".pcapng"

    @property
    def suffix(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _LABELS[self]

    def encoder(self) -> EventEncoder:
        return _ENCODERS[self]()


_LABELS = {
    ExportFormat.TEXT: "Plain text",
    ExportFormat.CSV: "CSV",
    ExportFormat.JSONL: "JSON Lines",
    ExportFormat.PCAPNG: "pcapng (Wireshark)",
}
_ENCODERS: dict[ExportFormat, Callable[[], EventEncoder]] = {
    ExportFormat.TEXT: TextEncoder,
    ExportFormat.CSV: CsvEncoder,
    ExportFormat.JSONL: JsonlEncoder,
    ExportFormat.PCAPNG: PcapngEncoder,
}


def format_for_path(path: str) -> ExportFormat | None:
    """The format named by the file's extension (case-insensitive), or None."""
    suffix = os.path.splitext(path)[1].lower()
    for fmt in ExportFormat:
        if fmt.value == suffix:
            return fmt
    return None


class ExportCancelled(Exception):
    """The export was cancelled; nothing was left behind."""


class ExportError(Exception):
    """Writing failed; the message is one sentence for the log."""


def describe_write_error(exc: OSError, path: str) -> str:
    """One plain sentence for a failed write: what went wrong and where."""
    name = os.path.basename(path) or path
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "the folder does not exist",
        errno.EISDIR: "it is a folder",
        errno.ENAMETOOLONG: "the name is too long",
        errno.ENOTDIR: "a part of the folder path is a file",
    }
    reason = reasons.get(exc.errno or 0) or exc.strerror or str(exc)
    return f"Cannot write {name}: {reason} ({os.path.dirname(path) or '.'})"


def export_events(
    path: str,
    events: Sequence[LogEvent],
    fmt: ExportFormat,
    *,
    progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write `events` to `path`; returns the number of events written.

    The file is written under a temporary name next to `path` and renamed when complete,
    so a cancelled or failed export leaves no partial file and an existing file intact.
    Raises ExportCancelled or ExportError (never OSError).
    """
    total = len(events)
    encoder = fmt.encoder()
    partial = path + ".part"
    try:
        with open(partial, "wb") as file:
            file.write(encoder.header())
            for start in range(0, total, CHUNK):
                if is_cancelled is not None and is_cancelled():
                    raise ExportCancelled
                file.write(encoder.encode(events[start : start + CHUNK]))
                if progress is not None:
                    progress(min(start + CHUNK, total), total)
        os.replace(partial, path)
    except OSError as exc:
        _remove(partial)
        raise ExportError(describe_write_error(exc, path)) from None
    except BaseException:
        _remove(partial)
        raise
    if progress is not None and total == 0:
        progress(0, 0)
    return total


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
