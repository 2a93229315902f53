"""`send ws`'s arguments turned into a WebSocketSend (exit 2 on bad input)."""

from __future__ import annotations

import argparse
import sys

from app.cli.data import message_from
from app.cli.output import OutputOptions
from app.cli.send_http_options import parse_header
from app.cli.send_ws import WebSocketSend
from app.cli.session import Session, UsageError
from app.payload import MessageCounter, render_message


def send_ws(args: argparse.Namespace) -> tuple[Session, WebSocketSend]:
    if not args.url.lower().startswith(("ws://", "wss://")):
        raise UsageError(f"the URL must start with ws:// or wss://, not {args.url!r}")
    if args.interval < 0 or args.wait < 0 or args.timeout <= 0:
        raise UsageError("--interval and --wait must be 0 or more, --timeout more than 0")
    texts: list[str] = args.messages
    if not texts and not sys.stdin.isatty():
        texts = sys.stdin.read().splitlines()  # read to its end: a message a line
    counter = MessageCounter()  # {{counter}} numbers the messages
    messages: list[str | bytes] = []
    for text in texts:
        data = render_message(message_from(text, hex_input=args.hex), counter)
        if args.hex:
            messages.append(data)
            continue
        try:
            messages.append(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UsageError(f"a text message must be UTF-8 ({exc.reason}): use --hex") from exc
    options = OutputOptions(args.json, args.show_hex, args.quiet, args.pcapng, args.record)
    try:
        session = Session(options, args.duration, None)
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    command = WebSocketSend(
        session,
        args.url,
        messages,
        headers=tuple(parse_header(text) for text in args.header),
        ping=args.ping,
        interval=args.interval / 1000,
        wait=args.wait / 1000,
        count=args.count,
        timeout=args.timeout / 1000,
        verify_tls=not args.insecure,
    )
    return session, command
