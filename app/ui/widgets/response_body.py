"""What the HTTP Client shows of a response: its head as text, its body as text, pretty
JSON or hex, always bounded so a 20 MB answer never lays out 20 MB of text; and the
status line's summary of an exchange.

No Qt: the view (http_response_view.py) runs `render_body` on a thread for large bodies.
"""

from __future__ import annotations

import codecs
import enum
import json
from typing import NamedTuple

from app.net.http.client.result import ExchangeResult, Phase
from app.payload import hexdump
from app.units import format_bytes, plural

# What the view shows at most, per format; Save body… writes all of it.
TEXT_LIMIT = 1_000_000  # bytes of body decoded as text, characters of pretty JSON
HEX_LIMIT = 64 * 1024  # bytes dumped: 4,096 lines of `hexdump -C`
# Larger documents are not parsed at all (json.loads of 8 MB takes ~0.1 s, on a thread).
PRETTY_LIMIT = 8_000_000
NOT_MEASURED = "—"  # a phase that did not happen


class BodyFormat(enum.Enum):
    TEXT = "Text"
    JSON = "Pretty JSON"
    HEX = "Hex"


class RenderedBody(NamedTuple):
    text: str
    note: str = ""  # what was left out or why the format fell back, for the note line


def format_ms(ms: float | None) -> str:
    if ms is None:
        return NOT_MEASURED
    return f"{ms:.2f} ms" if ms < 1 else f"{ms:,.1f} ms"


def content_type_of(result: ExchangeResult) -> str:
    return (result.header("Content-Type") or "").strip()


def charset_of(content_type: str) -> str:
    """The charset the Content-Type names if Python knows it, else UTF-8."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            name = value.strip().strip('"')
            try:
                return codecs.lookup(name).name
            except LookupError:
                break
    return "utf-8"


def guess_format(content_type: str, body: bytes) -> BodyFormat:
    """JSON for a JSON media type, Text for what decodes as text, Hex for the rest."""
    media = content_type.split(";")[0].strip().lower()
    if media.endswith("/json") or media.endswith("+json"):
        return BodyFormat.JSON
    sample = body[:4096]
    if b"\x00" in sample:
        return BodyFormat.HEX
    try:
        sample.decode(charset_of(content_type))
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still text.
        if exc.start < len(sample) - 4:
            return BodyFormat.HEX
    return BodyFormat.TEXT


def head_text(result: ExchangeResult) -> str:
    """The status line and the headers, as they came (`curl -i`)."""
    version = result.version or "HTTP/1.1"
    if not version.upper().startswith("HTTP/"):
        version = f"HTTP/{version}"
    lines = [f"{version} {result.status} {result.reason}".rstrip()]
    lines.extend(f"{name}: {value}" for name, value in result.headers)
    return "\n".join(lines)


def _shown_of(shown: int, total: int, unit: str = "") -> str:
    return (
        f"showing the first {format_bytes(shown)}{unit} of {format_bytes(total)}; "
        "Save body… writes all of it"
    )


def _as_text(body: bytes, content_type: str) -> RenderedBody:
    head = body[:TEXT_LIMIT]
    text = head.decode(charset_of(content_type), errors="replace")
    note = _shown_of(len(head), len(body)) if len(body) > TEXT_LIMIT else ""
    return RenderedBody(text, note)


def _as_json(body: bytes, content_type: str) -> RenderedBody:
    if len(body) > PRETTY_LIMIT:
        text, note = _as_text(body, content_type)
        why = f"too large to pretty-print (over {format_bytes(PRETTY_LIMIT)}), shown as text"
        return RenderedBody(text, f"{why}; {note}" if note else why)
    try:
        document = json.loads(body.decode(charset_of(content_type), errors="strict"))
    except UnicodeDecodeError:
        return RenderedBody(_as_text(body, content_type).text, "not valid JSON: not UTF-8 text")
    except json.JSONDecodeError as exc:
        text, note = _as_text(body, content_type)
        why = f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}), shown as text"
        return RenderedBody(text, f"{why}; {note}" if note else why)
    pretty = json.dumps(document, indent=2, ensure_ascii=False)
    if len(pretty) > TEXT_LIMIT:
        return RenderedBody(
            pretty[:TEXT_LIMIT],
            f"showing the first {TEXT_LIMIT:,} of {len(pretty):,} characters; "
            "Save body… writes the body as received",
        )
    return RenderedBody(pretty)


def _as_hex(body: bytes) -> RenderedBody:
    head = body[:HEX_LIMIT]
    note = _shown_of(len(head), len(body)) if len(body) > HEX_LIMIT else ""
    return RenderedBody(hexdump(head), note)


def render_body(body: bytes, fmt: BodyFormat, content_type: str = "") -> RenderedBody:
    """The body in `fmt`, bounded by the limits above; pure, safe on any thread."""
    if not body:
        return RenderedBody("", "")
    if fmt is BodyFormat.JSON:
        return _as_json(body, content_type)
    if fmt is BodyFormat.HEX:
        return _as_hex(body)
    return _as_text(body, content_type)


def transfer_note(result: ExchangeResult) -> str:
    """How the body arrived when that differs from what is shown: compressed, redirected."""
    parts = []
    if result.content_encoding and result.wire_size != whole_size(result):
        parts.append(
            f"{result.content_encoding}: {format_bytes(result.wire_size)} on the wire, "
            f"{format_bytes(whole_size(result))} decoded"
        )
    if result.body_file:
        parts.append(
            f"{format_bytes(whole_size(result))} in all, kept in a temporary file: "
            "Save body… writes all of it"
        )
    elif result.body_truncated:
        parts.append(f"only the first {format_bytes(len(result.body))} of the body were kept")
    if result.redirects:
        parts.append(f"after {plural(len(result.redirects), 'redirect')} to {result.url}")
    return "; ".join(parts)


def whole_size(result: ExchangeResult) -> int:
    """The whole body's size: what Save body… writes."""
    return result.body_size if result.body_file else len(result.body)


def failure_text(result: ExchangeResult) -> str:
    """`Failed while connecting: Connection refused`."""
    failure = result.failure
    assert failure is not None
    # Phase values read as "failed while <value>"; a noun phrase reads better after "in".
    joint = "in" if failure.phase is Phase.TLS else "while"
    return f"Failed {joint} {failure.phase.value}: {failure.reason}"


def outcome_text(result: ExchangeResult) -> str:
    """`200 OK · 12.3 ms · reused connection`: what hcStatus says after an exchange."""
    total = format_ms(result.timing.total_ms)
    if result.cancelled:
        return f"Cancelled after {total}"
    if result.failure is not None:
        return f"{failure_text(result)} · {total}"
    parts = [f"{result.status} {result.reason}".rstrip(), total]
    parts.append("reused connection" if result.reused else "new connection")
    if result.redirects:
        parts.append(f"{plural(len(result.redirects), 'redirect')} followed")
    parts.append(format_bytes(len(result.body)))
    return " · ".join(parts)
