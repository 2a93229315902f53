"""A response body: gzip or deflate undone, its first part kept for display, all of it
kept whole on disk (spool.py) when it is larger than that.

Decoding runs in bounded steps (a 10 kB gzip bomb can inflate to gigabytes, so each
step inflates at most INFLATE_STEP), and a decoded body is cut at the spool's
`max_inflated`. The raw bytes as they arrived stay in the log rows. "Whole" means the
decoded body: Save body… writes what the display shows the start of.
"""

from __future__ import annotations

import zlib

from app.net.http.client.spool import BodySpool, SpoolPolicy
from app.units import format_bytes

DISPLAY_LIMIT = 64 * 1024 * 1024  # what is kept without a spool
INFLATE_STEP = 1024 * 1024
_GZIP = 16 + zlib.MAX_WBITS
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS


class BodyCollector:
    """Takes the body's pieces as they arrive; `finish()` gives what to show.

    The first `limit` bytes are kept in memory. Beyond them the body is cut, unless a
    `spool` policy is given: then the whole body goes to a file (`body_file`)."""

    def __init__(
        self, content_encoding: str, limit: int = DISPLAY_LIMIT, spool: SpoolPolicy | None = None
    ) -> None:
        self.encoding = content_encoding.strip().lower()
        self._limit = limit
        self._policy = spool
        self._spool: BodySpool | None = None
        self._parts: list[bytes] = []
        self._kept = 0
        self.size = 0  # decoded bytes taken in (memory and spool), the whole body's size
        self.wire_size = 0
        self.truncated = False  # the body in memory is not all of it
        self.cut = False  # not all of it was kept anywhere
        self.body_file = ""  # after finish(): the file holding the whole body
        self.note = ""  # one line for the log when the body is not shown as decoded
        self._decoder: zlib._Decompress | None = None
        self._pending = b""  # deflate: the first bytes, until they say zlib or raw
        self._wire: list[bytes] = []  # kept while decoding, to fall back on
        self._wire_kept = 0
        self.decoding = self.encoding in ("gzip", "x-gzip", "deflate")  # until it fails
        if self.encoding in ("", "identity"):
            self.encoding = ""
        elif self.encoding == "gzip" or self.encoding == "x-gzip":
            self._decoder = zlib.decompressobj(_GZIP)
        elif self.encoding != "deflate":
            self.note = (
                f"Content-Encoding {content_encoding} is not decoded: body shown as received"
            )

    def add(self, data: bytes) -> None:
        self.wire_size += len(data)
        if not self.decoding:
            self._keep(data)
            return
        if self._wire_kept < self._limit:
            self._wire.append(data)
            self._wire_kept += len(data)
        if self._decoder is None:  # deflate: zlib-wrapped as RFC 9110 says, or raw as IIS sent
            self._pending += data
            if len(self._pending) < 2:
                return
            data, self._pending = self._pending, b""
            wrapped = (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._decoder = zlib.decompressobj(_ZLIB if wrapped else _RAW_DEFLATE)
        self._inflate(data)

    def finish(self) -> bytes:
        if self.decoding and self._decoder is not None and not self.cut:
            try:
                tail = self._decoder.flush()
            except zlib.error as exc:
                self._fail(exc)
            else:
                self._keep(tail)
                if not self._decoder.eof and self.wire_size:
                    self.note = f"The {self.encoding} body ends before its end marker"
        elif self.decoding and self._pending:
            self._fail(zlib.error("too short"))
        spool = self._spool
        if spool is not None:
            self.body_file = spool.close()
            if spool.failed:
                self.cut = True
                self.note = (
                    f"The body could not be kept whole on disk ({spool.error}): only the "
                    f"first {format_bytes(self._kept)} can be saved"
                )
        if self.cut and not self.note:
            self.note = f"Body cut at {self._cap():,} bytes; the log rows hold it as received"
        return b"".join(self._parts)

    def discard(self) -> None:
        """The hop failed or was cancelled: no spool file is left behind."""
        if self._spool is not None:
            self._spool.discard()
            self._spool = None

    def _cap(self) -> int:
        policy = self._policy
        if policy is None:
            return self._limit
        return policy.max_inflated if self.decoding else -1

    def _inflate(self, data: bytes) -> None:
        decoder = self._decoder
        assert decoder is not None
        while data and not self.cut:
            try:
                out = decoder.decompress(data, INFLATE_STEP)
            except zlib.error as exc:
                self._fail(exc)
                return
            self._keep(out)
            data = decoder.unconsumed_tail

    def _keep(self, data: bytes) -> None:
        if not data or self.cut:
            return
        cap = self._cap()
        if cap >= 0 and self.size + len(data) > cap:
            data = data[: cap - self.size]
            self.cut = self.truncated = True  # the rest is not inflated at all
        self.size += len(data)
        room = self._limit - self._kept
        if room > 0:
            part = data if len(data) <= room else data[:room]
            self._parts.append(part)
            self._kept += len(part)
        if self._kept < self.size:
            self.truncated = True
            self._spill(data)

    def _spill(self, data: bytes) -> None:
        """Past the memory part: the whole body to the spool, or cut without one."""
        policy = self._policy
        if policy is None:
            self.cut = True
            return
        spool = self._spool
        if spool is None:
            spool = self._spool = BodySpool(policy.directory)
            for part in self._parts:  # the file holds the whole body, its start too
                spool.write(part)
            written = self._kept
            data = data[len(data) - (self.size - written) :]
        spool.write(data)
        if spool.failed:
            self.cut = True

    def _fail(self, exc: zlib.error) -> None:
        """Show the bytes as they came, with the reason, instead of a half-decoded body."""
        self.decoding = False
        self.note = f"The body could not be decoded as {self.encoding} ({exc}): shown as received"
        self.discard()
        whole = self._wire_kept == self.wire_size
        self._parts = []
        self._kept = 0
        self.size = 0
        self.truncated = self.cut = False
        for part in self._wire:
            self._keep(part)
        self._wire = []
        if not whole:
            self.truncated = self.cut = True
