"""`send http URL`: one request (or `--count` of them on the kept-alive connection) through
the HTTP Client tab's engine; the body goes to stdout as curl does."""

from __future__ import annotations

import json
import sys
from base64 import b64encode
from typing import BinaryIO, NamedTuple

from app.cli.round_trip_report import report
from app.cli.session import Session
from app.net.http.client.engine import HttpClient, failed_while
from app.net.http.client.result import ExchangeResult, RequestSpec, Timing
from app.payload import MessageCounter, MessageTemplate, render_message

FAIL_STATUS_EXIT = 22  # curl's code for --fail on a status of 400 or more


class HttpOutput(NamedTuple):
    body_file: str = ""  # -o: the body there instead of stdout
    include_head: bool = False  # -i
    timing: bool = False  # --timing: the phases on stderr
    fail_on_error_status: bool = False  # --fail
    json: bool = False  # one JSON object per response on stdout instead of the body
    quiet: bool = False  # no body on stdout


class HttpSend:
    """Send `spec` `count` times, `interval` s after each response; print the last body."""

    def __init__(
        self,
        session: Session,
        spec: RequestSpec,
        body: MessageTemplate,
        output: HttpOutput,
        count: int = 1,
        interval: float = 0.0,
    ) -> None:
        self._session = session
        self._spec = spec
        self._body = body
        self._counter = MessageCounter()
        self._output = output
        self._count = count
        self._interval = interval
        self._done = 0
        self._failures = 0
        self._last: ExchangeResult | None = None
        printer = session.printer
        self._client = HttpClient(
            session.reactor,
            printer.sink,
            lambda _status: None,
            self._finished,
            sink_many=printer.sink_many,
        )

    def start(self) -> None:
        self._send()

    def stop(self) -> None:
        self._client.close()
        session = self._session
        last = self._last
        if self._count > 1:
            report(session, self._client.round_trips)
            session.report_json["requests"] = self._done
            session.report_json["failed"] = self._failures
        if last is not None and last.timing and self._output.timing:
            session.report_lines.append("timing: " + describe_timing(last.timing))
        if last is not None and last.status is not None:
            session.report_json["status"] = last.status
            session.report_json["timing_ms"] = last.timing._asdict()
            bad = last.status >= 400 and self._output.fail_on_error_status
            if bad:
                session.report_lines.append(f"failed: HTTP {last.status} {last.reason}".rstrip())
                session.exit_code = FAIL_STATUS_EXIT
        if self._failures and last is not None and last.failure is not None:
            failure = last.failure
            session.fail(f"{last.url} {failed_while(failure.phase)}: {failure.reason}")
        elif self._failures:
            session.fail(f"{plural_requests(self._failures)} failed")

    # -- the loop ----------------------------------------------------------------------

    def _send(self) -> None:
        spec = self._spec
        if self._body.static != b"":
            spec = spec._replace(body=render_message(self._body, self._counter))
        self._client.send(spec)

    def _finished(self, result: ExchangeResult) -> None:
        self._done += 1
        self._last = result
        if not result.ok:
            self._failures += 1
        if self._output.json:
            self._session.printer.write_line(_result_json(result))
        if self._done >= self._count or result.cancelled:
            if not self._output.json and result.ok:
                self._write_body(result)
            self._session.finish()
            return
        self._session.reactor.call_later(self._interval, self._send)

    def _write_body(self, result: ExchangeResult) -> None:
        output = self._output
        head = _head(result) if output.include_head else b""
        if output.body_file:
            try:
                with open(output.body_file, "wb") as file:
                    file.write(result.body)
            except OSError as exc:
                reason = exc.strerror or exc
                self._session.printer.file_errors.append(f"-o {output.body_file}: {reason}")
            body = b""
        else:
            body = result.body
        if output.quiet or not (head or body):
            return
        stream: BinaryIO = sys.stdout.buffer
        try:
            stream.write(head + body)
            stream.flush()
        except BrokenPipeError:
            pass  # `| head`: the reader has what it wanted


def plural_requests(count: int) -> str:
    return f"{count:,} request{'s' if count != 1 else ''}"


def describe_timing(timing: Timing) -> str:
    """`DNS 0.4 ms · connect 0.2 ms · TLS — · first byte 1.3 ms · download 0.1 ms ·
    total 2.1 ms`: a phase that did not happen (reused connection, plain http) is —."""
    phases = (
        ("DNS", timing.dns_ms),
        ("connect", timing.connect_ms),
        ("TLS", timing.tls_ms),
        ("first byte", timing.first_byte_ms),
        ("download", timing.download_ms),
        ("total", timing.total_ms),
    )
    return " · ".join(f"{name} {'—' if ms is None else f'{ms:.3f} ms'}" for name, ms in phases)


def _head(result: ExchangeResult) -> bytes:
    """The response's status line and headers as they came, for -i (curl's form)."""
    lines = [f"{result.version or 'HTTP/1.1'} {result.status} {result.reason}".rstrip()]
    lines += [f"{name}: {value}" for name, value in result.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def _result_json(result: ExchangeResult) -> bytes:
    failure = result.failure
    record = {
        "url": result.url,
        "status": result.status,
        "reason": result.reason,
        "version": result.version,
        "headers": [list(pair) for pair in result.headers],
        "body_base64": b64encode(result.body).decode("ascii"),
        "body_text": result.body.decode("utf-8", "replace"),
        "size": len(result.body),
        "reused": result.reused,
        "redirects": list(result.redirects),
        "timing_ms": result.timing._asdict(),
        "failure": None
        if failure is None
        else {"phase": failure.phase.name.lower(), "reason": failure.reason},
    }
    return json.dumps({"response": record}, separators=(",", ":")).encode()
