"""Runs one command: parse, check the input (exit 2), build the session, run it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Protocol

from app.cli.arguments import command_parser
from app.cli.data import payload_bytes
from app.cli.output import OutputOptions
from app.cli.session import BAD_INPUT, Session, UsageError
from app.net.address import AddressError, check_host, parse_port

if TYPE_CHECKING:
    from app.cli.send import TcpSend, UdpSend


def run(argv: list[str]) -> int:
    # Exits 2 with the usage on bad arguments, as argparse does.
    args = command_parser(argv[0]).parse_intermixed_args(argv[1:])
    args.command = argv[0]
    try:
        session, command = _prepare(args)
    except UsageError as exc:
        print(f"socket-tester {args.command}: {exc}", file=sys.stderr)
        return BAD_INPUT
    return session.run(command.start, command.stop)


class Command(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def _prepare(args: argparse.Namespace) -> tuple[Session, Command]:
    port = _port(args.port)
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be more than 0 seconds")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    options = OutputOptions(args.json, args.show_hex, args.quiet, args.pcapng, args.record)
    if args.command == "send":
        return _send(args, port, options)
    bind = _host(args.bind)
    session = _session(options, args.duration, args.count)
    # Each command imports only its own net objects: start-up is measured.
    if args.command == "listen":
        from app.cli.listen import TcpListen, UdpListen
        from app.net.reply import ReplyMode
        from app.net.tcp.server_status import ReplyConfig

        reply_data = payload_bytes(args.reply, hex_input=args.hex) if args.reply else b""
        mode = ReplyMode.ECHO if args.echo else ReplyMode.FIXED if args.reply else ReplyMode.NONE
        if args.protocol == "tcp":
            if not 1 <= args.max_clients <= 100_000:
                raise UsageError("--max-clients must be from 1 to 100,000")
            return session, TcpListen(
                session, bind, port, ReplyConfig(mode, reply_data), args.max_clients
            )
        return session, UdpListen(session, bind, port, mode, reply_data)
    from app.cli.listen import HttpServe
    from app.net.http.config import ResponseConfig, ServeMode

    if not 100 <= args.status <= 599:
        raise UsageError(f"--status must be from 100 to 599, not {args.status}")
    config = ResponseConfig(status=args.status, body=payload_bytes(args.body))
    if args.content_type:
        config = config._replace(content_type=args.content_type)
    if args.echo:
        config = config._replace(mode=ServeMode.ECHO)
    elif args.folder:
        config = config._replace(mode=ServeMode.FOLDER, folder=args.folder)
    return session, HttpServe(session, bind, port, config)


def _send(
    args: argparse.Namespace, port: int, options: OutputOptions
) -> tuple[Session, TcpSend | UdpSend]:
    host = _host(args.host)
    data = payload_bytes(args.data, hex_input=args.hex, file=args.file)
    if args.interval < 0 or args.wait < 0 or args.timeout <= 0:
        raise UsageError("--interval and --wait must be 0 or more, --timeout more than 0")
    count = 1 if args.count is None else args.count
    # --count is how many to send here, not an end condition.
    session = _session(options, args.duration, None)
    interval, wait = args.interval / 1000, args.wait / 1000
    if args.protocol == "tcp":
        from app.cli.send import TcpSend

        command: TcpSend | UdpSend = TcpSend(
            session, (host, port), data, count, interval, wait, args.timeout / 1000
        )
    else:
        from app.cli.send import UdpSend

        command = UdpSend(session, (host, port), data, count, interval, wait)
    return session, command


def _session(options: OutputOptions, duration: float | None, count: int | None) -> Session:
    try:
        return Session(options, duration, count)
    except OSError as exc:  # an output file that cannot be created
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror}") from exc


def _port(text: str) -> int:
    try:
        return parse_port(text)
    except AddressError as exc:
        raise UsageError(str(exc)) from exc


def _host(text: str) -> str:
    try:
        return check_host(text.strip())
    except AddressError as exc:
        raise UsageError(str(exc)) from exc
