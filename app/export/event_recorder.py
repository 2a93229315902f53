"""Record to file: every event appended to a JSON Lines file by a writer thread.

The caller (the GUI thread) only puts each batch on a queue, which costs the same for ten
events or ten thousand. The writer thread encodes and writes them and flushes the file
at least every FLUSH_INTERVAL_S, so a crash or a kill loses at most about that much; an
fsync follows at most once a second so a power cut loses little more.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import BinaryIO

from app.export.file_export import ExportError, describe_write_error
from app.export.jsonl_format import JsonlEncoder
from app.net.events import LogEvent

FLUSH_INTERVAL_S = 0.25
FSYNC_INTERVAL_S = 1.0
# A huge batch is encoded in slices so the flush deadline holds in the middle of it.
SLICE = 2_000
# data_text of a recorded event covers this many bytes (data_base64 has them all).
RECORD_TEXT_LIMIT = 4096

_STOP = object()


class EventRecorder:
    """Appends batches of events to `path` (created or replaced) as JSON Lines.

    `append` may be called from any thread. `on_error(message)` is called once, from the
    writer thread, when writing fails; later batches are then counted in `lost` only.
    """

    def __init__(self, path: str, *, on_error: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._on_error = on_error
        try:
            self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - owned by the writer thread
        except OSError as exc:
            raise ExportError(describe_write_error(exc, path)) from None
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = False
        self._lock = threading.Lock()
        self.written = 0
        self.pending = 0
        self.lost = 0
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="event-recorder", daemon=True)
        self._thread.start()

    # -- any thread -------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return not self._stopping and self.error is None

    def append(self, events: Sequence[LogEvent]) -> None:
        """Queue one batch for writing; never blocks on the disk."""
        if self._stopping or not events:
            return
        with self._lock:
            self.pending += len(events)
        self._queue.put(events)

    def stop(self) -> None:
        """Stop taking events; what is queued is still written, then the file is closed."""
        if not self._stopping:
            self._stopping = True
            self._queue.put(_STOP)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the writer to finish after stop(); True when it did in time."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self, timeout: float | None = 5.0) -> bool:
        self.stop()
        return self.wait(timeout)

    # -- writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        encoder = JsonlEncoder(text_limit=RECORD_TEXT_LIMIT)
        file = self._file
        dirty = False
        last_flush = last_sync = time.monotonic()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=FLUSH_INTERVAL_S)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if isinstance(item, Sequence):
                    for start in range(0, len(item), SLICE):
                        part = item[start : start + SLICE]
                        if self.error is None:
                            dirty = self._write(file, encoder.encode(part), len(part)) or dirty
                        else:
                            self.lost += len(part)
                        with self._lock:
                            self.pending -= len(part)
                        now = time.monotonic()
                        if dirty and now - last_flush >= FLUSH_INTERVAL_S:
                            dirty = False
                            last_flush, last_sync = self._flush(file, now, last_sync)
                now = time.monotonic()
                # Flush when caught up (idle costs nothing) or when the deadline passed.
                if dirty and (self._queue.empty() or now - last_flush >= FLUSH_INTERVAL_S):
                    dirty = False
                    last_flush, last_sync = self._flush(file, now, last_sync)
        finally:
            self._flush(file, time.monotonic(), 0.0)
            try:
                file.close()
            except OSError as exc:
                self._fail(exc)

    def _write(self, file: BinaryIO, data: bytes, count: int) -> bool:
        try:
            file.write(data)
        except OSError as exc:
            self.lost += count
            self._fail(exc)
            return False
        self.written += count
        return True

    def _flush(self, file: BinaryIO, now: float, last_sync: float) -> tuple[float, float]:
        if self.error is not None:
            return now, last_sync
        try:
            file.flush()
            if now - last_sync >= FSYNC_INTERVAL_S:
                os.fsync(file.fileno())
                last_sync = now
        except OSError as exc:
            self._fail(exc)
        return now, last_sync

    def _fail(self, exc: OSError) -> None:
        if self.error is None:
            self.error = "Recording stopped: " + describe_write_error(exc, self.path)
            if self._on_error is not None:
                self._on_error(self.error)
