"""Bytes to and from what a person types (text with escapes, hex) and reads, and the
macros expanded at send time.

`codec` turns text into bytes and back; `macros` compiles a payload with `{{...}}` macros
into a `MessageTemplate` rendered per message; `checksums` has what those macros append.
Every name is re-exported here: import from `app.payload`.
"""

from app.payload.codec import (
    LineEnding,
    PayloadError,
    PayloadFormat,
    encode_large_payload,
    encode_payload,
    escape_bytes,
    hexdump,
    line_ending_bytes,
    parse_hex,
    parse_text,
    parse_text_in_slices,
    preview,
    to_hex,
)
from app.payload.macros import (
    KNOWN_MACROS,
    Message,
    MessageCounter,
    MessageTemplate,
    compile_message,
    render_message,
)

__all__ = [
    "KNOWN_MACROS",
    "LineEnding",
    "Message",
    "MessageCounter",
    "MessageTemplate",
    "PayloadError",
    "PayloadFormat",
    "compile_message",
    "encode_large_payload",
    "encode_payload",
    "escape_bytes",
    "hexdump",
    "line_ending_bytes",
    "parse_hex",
    "parse_text",
    "parse_text_in_slices",
    "preview",
    "render_message",
    "to_hex",
]
