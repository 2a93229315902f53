"""`send http`'s arguments turned into a RequestSpec and an HttpSend (exit 2 on bad input)."""

from __future__ import annotations

import argparse

from app.cli.data import message_from
from app.cli.output import OutputOptions
from app.cli.send_http import HttpOutput, HttpSend
from app.cli.session import Session, UsageError
from app.net.http.client.result import RequestSpec


def send_http(args: argparse.Namespace) -> tuple[Session, HttpSend]:
    if not args.url.lower().startswith(("http://", "https://")):
        raise UsageError(f"the URL must start with http:// or https://, not {args.url!r}")
    if args.timeout <= 0 or args.interval < 0:
        raise UsageError("--timeout must be more than 0 ms, --interval 0 or more")
    headers = tuple(parse_header(text) for text in args.header)
    data: str | None = args.data
    file: str | None = None
    if data is not None and data.startswith("@"):
        file = data[1:]
        data = None
    body = message_from(data, hex_input=args.hex, file=file)
    method = args.method or ("POST" if args.data is not None else "GET")
    spec = RequestSpec(
        method=method,
        url=args.url,
        headers=headers,
        body=body.static or b"",
        follow_redirects=args.location,
        timeout_s=args.timeout / 1000,
        verify_tls=not args.insecure,
    )
    output = HttpOutput(
        body_file=args.output,
        include_head=args.include,
        timing=args.timing,
        fail_on_error_status=args.fail,
        json=args.json,
        quiet=args.quiet,
    )
    # The log's lines are wanted only with -v (on stderr: stdout is the body) or in files.
    options = OutputOptions(args.json, False, not args.verbose, args.pcapng, args.record)
    try:
        session = Session(options, args.duration, None, events_to_stderr=True)
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    count = 1 if args.count is None else args.count
    return session, HttpSend(session, spec, body, output, count, args.interval / 1000)


def parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise UsageError(f"-H takes 'Name: value', not {text!r}")
    return name.strip(), value.strip()
