"""What a command sends or answers with, from what was typed, a file or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

from app.cli.session import UsageError
from app.payload import MessageTemplate, PayloadError, PayloadFormat, compile_message


def message_from(
    text: str | None, *, hex_input: bool = False, file: str | None = None
) -> MessageTemplate:
    """DATA as text with escapes (`\\r\\n`, `\\xNN`), as hex with `--hex`, or a file's bytes.

    Macros (`{{counter}}`, `{{crc16_modbus}}`, …) work in text and hex and are expanded
    for each message sent; a file or stdin (`--file -`) is sent exactly as it is. Bad
    input is a UsageError in the words the GUI's fields use.
    """
    if file is not None:
        if text is not None:
            raise UsageError("give DATA or --file, not both")
        if file == "-":
            return MessageTemplate.literal(sys.stdin.buffer.read())
        try:
            return MessageTemplate.literal(Path(file).read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc
    if text is None:
        return MessageTemplate.literal(b"")
    try:
        return compile_message(text, PayloadFormat.HEX if hex_input else PayloadFormat.TEXT)
    except PayloadError as exc:
        raise UsageError(f"{'hex' if hex_input else 'DATA'}: {exc}") from exc
