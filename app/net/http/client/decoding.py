"""A response body for display: gzip or deflate undone, and bounded in size.

The decoded size is capped (a 10 kB gzip bomb can inflate to gigabytes): beyond the cap
the body is cut and says so. The raw bytes as they arrived stay in the log rows.
"""

from __future__ import annotations

import zlib

DISPLAY_LIMIT = 64 * 1024 * 1024
_GZIP = 16 + zlib.MAX_WBITS
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS


class BodyCollector:
    """Takes the body's pieces as they arrive; `finish()` gives what to show."""

    def __init__(self, content_encoding: str, limit: int = DISPLAY_LIMIT) -> None:
        self.encoding = content_encoding.strip().lower()
        self._limit = limit
        self._parts: list[bytes] = []
        self._kept = 0
        self.wire_size = 0
        self.truncated = False
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
        if self.decoding and self._decoder is not None and not self.truncated:
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
        if self.truncated:
            self.note = (
                f"Body cut at {self._limit:,} bytes for display; the log rows hold it as received"
            )
        return b"".join(self._parts)

    def _inflate(self, data: bytes) -> None:
        decoder = self._decoder
        assert decoder is not None
        if self.truncated:
            return
        try:
            out = decoder.decompress(data, self._limit - self._kept + 1)
        except zlib.error as exc:
            self._fail(exc)
            return
        self._keep(out)
        if decoder.unconsumed_tail:
            self.truncated = True  # over the cap: the rest is not inflated at all

    def _keep(self, data: bytes) -> None:
        room = self._limit - self._kept
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        if data:
            self._parts.append(data)
            self._kept += len(data)

    def _fail(self, exc: zlib.error) -> None:
        """Show the bytes as they came, with the reason, instead of a half-decoded body."""
        self.decoding = False
        self.note = f"The body could not be decoded as {self.encoding} ({exc}): shown as received"
        self._parts = []
        self._kept = 0
        self.truncated = False
        for part in self._wire:
            self._keep(part)
        self._wire = []
