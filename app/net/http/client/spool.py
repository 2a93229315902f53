"""A response body too large to hold in memory, kept whole in a temporary file.

The engine shows the first part of a large body and writes all of it here as it
arrives (decoded, for gzip/deflate: what Save body… writes is what the display shows
the start of), from the reactor thread, through a large buffer so the disk sees
megabyte writes. A write that fails (disk full, the folder gone) ends the spool with
one reason and the file removed: the body is then not kept whole, and the result says
so. Whoever holds the path removes the file (`remove_quietly`) when it is done with it.
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO, NamedTuple

SPOOL_OVER = 8 * 1024 * 1024  # bodies larger than this are kept on disk, whole
WRITE_BUFFER = 1024 * 1024
# A decoded body is kept up to this size: 10 kB of gzip can inflate to gigabytes, and a
# bomb must not fill the disk. A body as received (no Content-Encoding) has no cap.
MAX_INFLATED = 1024 * 1024 * 1024
PREFIX = "socket-tester-body-"


class SpoolPolicy(NamedTuple):
    directory: str = ""  # "" for the system's temporary folder
    over: int = SPOOL_OVER
    max_inflated: int = MAX_INFLATED


class BodySpool:
    """One body's file; lives in the reactor's thread."""

    def __init__(self, directory: str = "") -> None:
        self.path = ""
        self.size = 0
        self.error = ""  # why the body could not be kept whole, once it failed
        self._file: BinaryIO | None = None
        try:
            fd, self.path = tempfile.mkstemp(prefix=PREFIX, suffix=".bin", dir=directory or None)
            self._file = os.fdopen(fd, "wb", buffering=WRITE_BUFFER)
        except OSError as exc:
            self._failed(exc)

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def write(self, data: bytes) -> None:
        if self._file is None:
            return
        try:
            self._file.write(data)
        except OSError as exc:
            self._failed(exc)
            return
        self.size += len(data)

    def close(self) -> str:
        """The file's path once it holds the whole body, else "" (and no file)."""
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError as exc:
                self._failed(exc)
        return "" if self.error else self.path

    def discard(self) -> None:
        """The body is not wanted after all (a failed or cancelled hop): no file left."""
        self.close()
        remove_quietly(self.path)
        self.path = ""

    def _failed(self, exc: OSError) -> None:
        self.error = exc.strerror or str(exc)
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError:
                pass  # the buffer could not be written either: the file goes anyway
        remove_quietly(self.path)


def remove_quietly(path: str) -> None:
    """Remove a spool file; one already gone (or still open elsewhere) is no error."""
    if not path:
        return
    try:
        os.remove(path)
    except OSError:
        pass
