"""Turns socket errors into the short sentences the log shows."""

from __future__ import annotations

import errno
import os

_REASONS = {
    errno.ECONNREFUSED: "Connection refused",
    errno.ECONNRESET: "Connection reset by peer",
    errno.ECONNABORTED: "Connection aborted",
    errno.EPIPE: "Connection closed by peer (broken pipe)",
    errno.ETIMEDOUT: "Timed out",
    errno.ENETUNREACH: "Network unreachable",
    errno.EHOSTUNREACH: "Host unreachable",
    errno.EADDRINUSE: "Address already in use",
    errno.EADDRNOTAVAIL: "Address not available on this machine",
    errno.EACCES: "Permission denied",
    errno.EMSGSIZE: "Message too long",
}


def describe_errno(code: int) -> str:
    return _REASONS.get(code) or os.strerror(code)


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return describe_errno(exc.errno)
    return str(exc) or type(exc).__name__
