"""The bytes a command sends or answers with, from what was typed, a file or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

from app.cli.session import UsageError
from app.payload import PayloadError, parse_hex, parse_text


def payload_bytes(text: str | None, *, hex_input: bool = False, file: str | None = None) -> bytes:
    """DATA as text with escapes (`\\r\\n`, `\\xNN`), as hex with `--hex`, or a file's bytes.

    `--file -` reads stdin to its end. Bad input is a UsageError that says what is wrong,
    in the words the GUI's fields use.
    """
    if file is not None:
        if text is not None:
            raise UsageError("give DATA or --file, not both")
        if file == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(file).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc
    if text is None:
        return b""
    try:
        return parse_hex(text) if hex_input else parse_text(text)
    except PayloadError as exc:
        raise UsageError(f"{'hex' if hex_input else 'DATA'}: {exc}") from exc
