"""describe / describe_errno: the short sentences the log shows for socket errors."""

from __future__ import annotations

import errno
import os
import socket

from app.net.errors import describe, describe_errno


def test_known_errnos_have_house_sentences() -> None:
    assert describe_errno(errno.ECONNREFUSED) == "Connection refused"
    assert describe_errno(errno.EPIPE) == "Connection closed by peer (broken pipe)"
    assert describe_errno(errno.EADDRINUSE) == "Address already in use"


def test_other_errnos_fall_back_to_the_system_text() -> None:
    assert describe_errno(errno.ENOENT) == os.strerror(errno.ENOENT)


def test_describe_a_real_refused_connection() -> None:
    # A port that was just bound and closed again has no listener on loopback.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    client = socket.socket()
    try:
        client.connect(("127.0.0.1", port))
    except OSError as exc:
        assert describe(exc) == "Connection refused"
    else:  # pragma: no cover - someone took the port in between
        raise AssertionError("the connection was accepted")
    finally:
        client.close()


def test_describe_a_real_address_in_use() -> None:
    first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    second = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        first.bind(("127.0.0.1", 0))
        try:
            second.bind(first.getsockname())
        except OSError as exc:
            assert describe(exc) == "Address already in use"
        else:  # pragma: no cover
            raise AssertionError("bound the same address twice")
    finally:
        first.close()
        second.close()


def test_exceptions_without_errno_use_their_text_or_their_type() -> None:
    assert describe(OSError("no errno here")) == "no errno here"
    assert describe(ValueError("bad port")) == "bad port"
    assert describe(TimeoutError()) == "TimeoutError"
