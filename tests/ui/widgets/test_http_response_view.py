"""What the HTTP Client shows of a response: formats, bounds, notes, Save body…"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.net.http.client.result import ExchangeResult, Failure, Phase, Timing
from app.ui.widgets.http_response_view import INLINE_RENDER, ResponseView
from app.ui.widgets.http_timing import TimingView
from app.ui.widgets.response_body import (
    HEX_LIMIT,
    PRETTY_LIMIT,
    TEXT_LIMIT,
    BodyFormat,
    RenderedBody,
    charset_of,
    failure_text,
    guess_format,
    outcome_text,
    render_body,
)
from app.units import format_bytes


def result(body: bytes, content_type: str = "text/plain", **fields: object) -> ExchangeResult:
    return ExchangeResult(
        "http://127.0.0.1:8000/data.bin",
        200,
        "OK",
        "HTTP/1.1",
        (("Content-Type", content_type), ("Content-Length", str(len(body)))),
        body,
        len(body),
        **fields,  # type: ignore[arg-type]
    )


def view(qtbot: QtBot) -> ResponseView:
    widget = ResponseView()
    qtbot.addWidget(widget)
    return widget


def test_the_format_follows_the_content_type() -> None:
    assert guess_format("application/json; charset=utf-8", b"{}") is BodyFormat.JSON
    assert guess_format("application/problem+json", b"{}") is BodyFormat.JSON
    assert guess_format("text/html", "<p>é</p>".encode()) is BodyFormat.TEXT
    assert guess_format("", b"\x89PNG\r\n\x1a\n\x00\x00") is BodyFormat.HEX
    assert guess_format("text/plain", b"\xff\xfe\xfd" * 10) is BodyFormat.HEX
    # A character cut at the sample's end is still text.
    assert guess_format("", b"a" * 4095 + "é".encode()) is BodyFormat.TEXT
    assert charset_of("text/plain; charset=ISO-8859-1") == "iso8859-1"
    assert charset_of("text/plain; charset=nonsense") == "utf-8"


def test_head_and_body_are_shown_like_curl_i(qtbot: QtBot) -> None:
    widget = view(qtbot)
    widget.show_result(result("Grüße".encode("latin-1"), "text/plain; charset=latin-1"))
    assert widget.text.plain_text() == (
        "HTTP/1.1 200 OK\nContent-Type: text/plain; charset=latin-1\nContent-Length: 5\n\nGrüße"
    )
    assert widget.note.text() == "5 B"
    assert widget.save_button.isEnabled()


def test_a_large_body_is_shown_in_part_and_saved_whole(qtbot: QtBot, tmp_path: Path) -> None:
    body = b"x" * (3 * TEXT_LIMIT)
    widget = view(qtbot)
    widget.show_result(result(body))
    qtbot.waitUntil(lambda: "showing the first" in widget.note.text())
    assert widget.note.text().startswith("showing the first 1.0 MB of 3.0 MB")
    assert len(widget.text.plain_text()) < TEXT_LIMIT + 200
    target = tmp_path / "body.bin"
    widget.save_body(target)
    qtbot.waitUntil(lambda: widget.note.text().startswith("Saved"))
    assert target.read_bytes() == body
    assert widget.note.text() == f"Saved 3.0 MB to {target}"


def test_a_spooled_body_is_saved_whole_from_its_file_even_once_removed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    whole = os.urandom(3 * 1024 * 1024)
    spool = tmp_path / "socket-tester-body-x.bin"
    spool.write_bytes(whole)
    first = whole[: 1024 * 1024]
    widget = view(qtbot)
    widget.show_result(
        result(
            first,
            "application/octet-stream",
            body_truncated=True,
            body_file=str(spool),
            body_size=len(whole),
        )
    )
    qtbot.waitUntil(lambda: "in all, kept in a temporary file" in widget.note.text())
    assert "3.1 MB in all" in widget.note.text()
    target = tmp_path / "body.bin"
    widget.save_body(target)
    spool.unlink()  # the engine removes it when a newer response arrives: the copy goes on
    qtbot.waitUntil(lambda: widget.note.text().startswith("Saved"))
    assert widget.note.text() == f"Saved 3.1 MB to {target}"
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(whole).digest()
    widget.save_body(tmp_path / "again.bin")  # the file is gone now: said, not raised
    assert widget.note.text().startswith("Could not save again.bin: ")


def test_a_save_that_fails_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    widget = view(qtbot)
    widget.show_result(result(b"abc"))
    widget.save_body(tmp_path / "missing" / "body.bin")
    qtbot.waitUntil(lambda: widget.note.text().startswith("Could not save body.bin: "))


def test_large_json_is_pretty_printed_off_the_gui_thread(qtbot: QtBot) -> None:
    document = {"items": [{"n": n, "name": f"item {n}"} for n in range(5000)]}
    body = json.dumps(document, separators=(",", ":")).encode()
    assert INLINE_RENDER < len(body) < PRETTY_LIMIT
    widget = view(qtbot)
    widget.show_result(result(body, "application/json"))
    # Not yet: the render's answer is queued for the event loop.
    assert widget.text.plain_text().endswith(f"Rendering {format_bytes(len(body))}…")
    qtbot.waitUntil(lambda: widget.text.plain_text().endswith("}"))
    text = widget.text.plain_text()
    assert json.loads(text[text.index("\n\n") + 2 :]) == document
    assert '\n  "items": [\n    {\n      "n": 0,' in text


def test_a_newer_response_wins_over_a_render_still_running(qtbot: QtBot) -> None:
    widget = view(qtbot)
    answers: list[int] = []
    original = widget._on_rendered

    def spy(generation: int, rendered: RenderedBody) -> None:
        answers.append(generation)
        original(generation, rendered)

    widget._on_rendered = spy  # type: ignore[method-assign]
    widget.show_result(result(b"[" + b"1," * INLINE_RENDER + b"1]", "application/json"))
    widget.show_result(result(b"small"))
    qtbot.waitUntil(lambda: len(answers) == 2)  # the small one at once, then the thread's
    # The older render arrived after the newer response and was dropped.
    assert widget.text.plain_text().endswith("\n\nsmall")


def test_bad_json_falls_back_to_text_and_says_where() -> None:
    rendered = render_body(b'{"a": 1,}', BodyFormat.JSON)
    assert rendered.text == '{"a": 1,}'
    assert rendered.note.startswith("not valid JSON (line 1, column 9: ")
    assert render_body(b"\xff", BodyFormat.JSON).note == "not valid JSON: not UTF-8 text"
    huge = render_body(b" " * (PRETTY_LIMIT + 1), BodyFormat.JSON)
    assert huge.note.startswith("too large to pretty-print (over 8.0 MB), shown as text")


def test_hex_is_a_bounded_dump() -> None:
    rendered = render_body(bytes(range(256)) * 1024, BodyFormat.HEX)
    lines = rendered.text.split("\n")
    assert len(lines) == HEX_LIMIT // 16
    assert lines[0].startswith("00000000  00 01 02 03 04 05 06 07  08 09 0a")
    assert rendered.note.startswith("showing the first 65.5 kB of 262.1 kB")


def test_decoding_redirects_and_truncation_are_noted(qtbot: QtBot) -> None:
    widget = view(qtbot)
    widget.show_result(
        result(
            b"a" * 5000,
            content_encoding="gzip",
            redirects=("http://127.0.0.1:8000/b",),
            body_truncated=True,
        )._replace(wire_size=120, url="http://127.0.0.1:8000/b")
    )
    assert widget.note.text() == (
        "gzip: 120 B on the wire, 5.0 kB decoded; only the first 5.0 kB of the body were "
        "kept; after 1 redirect to http://127.0.0.1:8000/b"
    )


def test_a_message_replaces_the_response(qtbot: QtBot) -> None:
    widget = view(qtbot)
    widget.show_result(result(b"abc"))
    widget.show_message("No response.", "why")
    assert (widget.text.plain_text(), widget.note.text()) == ("No response.", "why")
    assert widget.result() is None and not widget.save_button.isEnabled()


def test_timing_shows_each_phase_or_a_dash(qtbot: QtBot) -> None:
    timing = TimingView()
    qtbot.addWidget(timing)
    timing.show_timing(Timing(None, 0.31, None, 12.34, 1200.0, 1213.5))
    assert timing.plain_text() == (
        "DNS — · Connect 0.31 ms · TLS — · First byte 12.3 ms · Download 1,200.0 ms · "
        "Total 1,213.5 ms"
    )
    spans = {field: (bar._start, bar._length) for field, bar in timing.bars.items()}
    assert spans["dns_ms"] == (0.0, 0.0)
    assert sum(spans["download_ms"]) == pytest.approx(1.0)
    timing.clear()
    assert timing.plain_text().endswith("Total —")


def test_the_status_line_of_an_exchange() -> None:
    done = result(b"abc")._replace(timing=Timing(total_ms=12.34), reused=True)
    assert outcome_text(done) == "200 OK · 12.3 ms · reused connection · 3 B"
    hops = done._replace(reused=False, redirects=("a", "b"))
    assert outcome_text(hops) == "200 OK · 12.3 ms · new connection · 2 redirects followed · 3 B"
    tls = ExchangeResult("https://h/", failure=Failure(Phase.TLS, "certificate verify failed"))
    assert outcome_text(tls) == "Failed in the TLS handshake: certificate verify failed · 0.00 ms"
    wait = ExchangeResult("http://h/", failure=Failure(Phase.WAIT, "timed out after 1 s"))
    assert failure_text(wait) == "Failed while waiting for the response: timed out after 1 s"
    cancelled = ExchangeResult("http://h/", cancelled=True, timing=Timing(total_ms=1500.0))
    assert outcome_text(cancelled) == "Cancelled after 1,500.0 ms"
