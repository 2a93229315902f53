"""Runs one command: parse, check the input (exit 2), build the session, run it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.cli.arguments import command_parser
from app.cli.data import message_from
from app.cli.output import OutputOptions
from app.cli.session import BAD_INPUT, Session, UsageError
from app.net.address import AddressError, check_host, parse_port

if TYPE_CHECKING:
    from app.net.http.config import RouteMatcher
    from app.net.rules.responder import Responder
    from app.net.tls.options import ClientTlsOptions, ServerTlsOptions
    from app.payload import MessageTemplate


class Command(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def run(argv: list[str]) -> int:
    # Exits 2 with the usage on bad arguments, as argparse does.
    # `send http` and `send ws` have parsers of their own (curl's letters, messages).
    own = argv[1] if argv[0] == "send" and argv[1:2] in (["http"], ["ws"]) else ""
    parser = command_parser(argv[0], own)
    args = parser.parse_intermixed_args(argv[2:] if own else argv[1:])
    args.command = f"send {own}" if own else argv[0]
    try:
        session, command = _prepare(args)
    except UsageError as exc:
        print(f"socket-tester {args.command}: {exc}", file=sys.stderr)
        return BAD_INPUT
    return session.run(command.start, command.stop)


def _prepare(args: argparse.Namespace) -> tuple[Session, Command]:
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be more than 0 seconds")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.command == "send http":
        from app.cli.send_http_options import send_http

        return send_http(args)
    if args.command == "send ws":
        from app.cli.send_ws_options import send_ws

        return send_ws(args)
    options = OutputOptions(args.json, args.show_hex, args.quiet, args.pcapng, args.record)
    # Each command imports only its own net objects: start-up is measured.
    if args.command == "send":
        return _send(args, options)
    if args.command == "relay":
        return _relay(args, options)
    port = _port(args.port)
    bind = _host(args.bind)
    tls = _server_tls(args)
    if args.command == "listen":
        from app.cli.listen import tcp_listen, udp_listen
        from app.net.reply import ReplyMode
        from app.net.tcp.server_status import ReplyConfig

        reply = message_from(args.reply, hex_input=args.hex) if args.reply else b""
        mode = ReplyMode.ECHO if args.echo else ReplyMode.FIXED if args.reply else ReplyMode.NONE
        responder = None
        if args.rules:
            mode, responder = ReplyMode.RULES, _rules(args.rules)
        session = _session(options, args.duration, args.count)
        if args.protocol == "tcp":
            if not 1 <= args.max_clients <= 100_000:
                raise UsageError("--max-clients must be from 1 to 100,000")
            config = ReplyConfig(mode, reply, responder)
            return session, tcp_listen(session, bind, port, config, args.max_clients, tls)
        if tls is not None:
            raise UsageError("--tls is for TCP (DTLS is not supported)")
        return session, udp_listen(session, bind, port, mode, reply, responder)
    return _serve(args, options, bind, port, tls)


def _send(args: argparse.Namespace, options: OutputOptions) -> tuple[Session, Command]:
    port = _port(args.port)
    host = _host(args.host)
    message = message_from(args.data, hex_input=args.hex, file=args.file)
    if args.interval < 0 or args.wait < 0 or args.timeout <= 0:
        raise UsageError("--interval and --wait must be 0 or more, --timeout more than 0")
    count = 1 if args.count is None else args.count
    if args.rtt_csv:
        from app.cli.round_trip_report import check_csv_path

        check_csv_path(args.rtt_csv)
    # --count is how many to send here, not an end condition.
    session = _session(options, args.duration, None)
    interval, wait = args.interval / 1000, args.wait / 1000
    if args.protocol == "tcp":
        if args.reply_timeout is not None:
            raise UsageError("--reply-timeout is for UDP (a TCP send waits for its connection)")
        if args.connections is not None:
            return session, _load_run(args, session, (host, port), message, count)
        if args.rtt_csv and not args.wait:
            raise UsageError("--rtt-csv needs --wait MS: the time replies are waited for")
        from app.cli.send_tcp import TcpSend

        tls = _client_tls(args)
        timeout = args.timeout / 1000
        return session, TcpSend(
            session, (host, port), message, count, interval, wait, timeout, tls, args.rtt_csv
        )
    if args.tls or args.insecure or args.ca or args.sni:
        raise UsageError("the TLS options are for TCP (DTLS is not supported)")
    if args.connections is not None:
        raise UsageError("--connections is for TCP (UDP has no connections)")
    reply_timeout = 1.0
    if args.reply_timeout is not None:
        if args.reply_timeout <= 0:
            raise UsageError("--reply-timeout must be more than 0 ms")
        reply_timeout = args.reply_timeout / 1000
    if not args.wait and (args.reply_timeout is not None or args.rtt_csv):
        wait = reply_timeout  # listen for the replies the timeout waits for
    from app.cli.send_udp import UdpSend

    return session, UdpSend(
        session, (host, port), message, count, interval, wait, reply_timeout, args.rtt_csv
    )


def _load_run(
    args: argparse.Namespace,
    session: Session,
    target: tuple[str, int],
    message: MessageTemplate,
    count: int,
) -> Command:
    if not 1 <= args.connections <= 1000:
        raise UsageError("--connections must be from 1 to 1,000")
    if args.tls or args.insecure or args.ca or args.sni:
        raise UsageError("a load run (--connections) speaks plain TCP, not TLS")
    if message.static == b"":
        raise UsageError("a load run needs DATA to send")
    from app.cli.send_tcp_load import TcpLoadSend
    from app.net.tcp.load_status import TcpLoadJob

    job = TcpLoadJob(
        target[0],
        target[1],
        message,
        count,
        args.interval / 1000,
        args.connections,
        args.timeout / 1000,
    )
    return TcpLoadSend(session, job, args.rtt_csv)


def _serve(
    args: argparse.Namespace,
    options: OutputOptions,
    bind: str,
    port: int,
    tls: ServerTlsOptions | None,
) -> tuple[Session, Command]:
    from app.cli.listen import http_serve
    from app.net.http.config import ResponseConfig, ServeMode

    if not 100 <= args.status <= 599:
        raise UsageError(f"--status must be from 100 to 599, not {args.status}")
    body = message_from(args.body).static
    if body is None:
        raise UsageError("--body: macros are expanded in messages sent, not in HTTP bodies")
    config = ResponseConfig(status=args.status, body=body, cors=args.cors)
    if args.content_type:
        config = config._replace(content_type=args.content_type)
    if args.echo:
        config = config._replace(mode=ServeMode.ECHO)
    elif args.websocket_echo:
        config = config._replace(mode=ServeMode.WS_ECHO)
    elif args.folder:
        if not Path(args.folder).is_dir():
            raise UsageError(f"--folder: {args.folder} is not a folder")
        config = config._replace(mode=ServeMode.FOLDER, folder=args.folder)
    elif args.routes:
        config = config._replace(mode=ServeMode.ROUTES, routes=_routes(args.routes))
    session = _session(options, args.duration, args.count)
    return session, http_serve(session, bind, port, config, tls)


def _routes(path: str) -> RouteMatcher:
    from app.net.http.routes import compile_routes
    from app.net.http.routes_file import load_routes

    rows = _load_json_rows(path, load_routes)
    compiled = compile_routes(rows)
    if compiled.errors:
        reasons = "; ".join(
            f"route {e.row + 1} {e.field.value}: {e.message}" for e in compiled.errors
        )
        raise UsageError(f"{path}: {reasons}")
    return compiled.table


def _rules(path: str) -> Responder:
    from app.net.rules.responder import compile_rows
    from app.net.rules.rules_file import load_rules

    rows = _load_json_rows(path, load_rules)
    responder = compile_rows(rows)
    if responder.errors:
        reasons = "; ".join(
            f"rule {e.row + 1} {e.column.name.lower().replace('_', ' ')}: {e.message}"
            for e in responder.errors
        )
        raise UsageError(f"{path}: {reasons}")
    return responder


def _load_json_rows(path: str, load: Callable[[object], list[list[str]]]) -> list[list[str]]:
    import json

    try:
        return load(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # json.JSONDecodeError is one
        raise UsageError(f"{path}: {exc}") from exc


def _relay(args: argparse.Namespace, options: OutputOptions) -> tuple[Session, Command]:
    from app.cli.relay import RelayRun
    from app.net.relay.faults import FaultDirection, RelayFaults
    from app.net.relay.status import RelayProtocol

    listen = (_host(args.bind), _port(args.listen_port))
    target = (_host(args.target_host), _port(args.target_port))
    numbers = (args.delay, args.jitter, args.rate, args.chunk, args.close_after)
    if min(numbers) < 0 or not (0 <= args.drop <= 100 and 0 <= args.corrupt <= 100):
        raise UsageError("fault values must be 0 or more, and percentages at most 100")
    direction = {
        "both": FaultDirection.BOTH,
        "to-target": FaultDirection.CLIENT_TO_TARGET,
        "to-client": FaultDirection.TARGET_TO_CLIENT,
    }[args.direction]
    faults = RelayFaults(
        delay_ms=args.delay,
        jitter_ms=args.jitter,
        rate_kbps=args.rate,
        drop_percent=args.drop,
        corrupt_percent=args.corrupt,
        chunk_size=args.chunk,
        close_after=args.close_after,
        direction=direction,
    )
    protocol = RelayProtocol.TCP if args.protocol == "tcp" else RelayProtocol.UDP
    session = _session(options, args.duration, args.count)
    return session, RelayRun(session, protocol, listen, target, faults)


def _client_tls(args: argparse.Namespace) -> ClientTlsOptions | None:
    if not (args.tls or args.insecure or args.ca or args.sni):
        return None
    from app.net.tls.options import ClientTlsOptions

    if args.ca and not Path(args.ca).is_file():
        raise UsageError(f"--ca: {args.ca} is not a file")
    return ClientTlsOptions(verify=not args.insecure, server_name=args.sni, ca_file=args.ca)


def _server_tls(args: argparse.Namespace) -> ServerTlsOptions | None:
    if not (args.tls or args.cert):
        return None
    from app.net.tls.options import ServerTlsOptions
    from app.settings_location import settings_folder

    if args.cert and not Path(args.cert).is_file():
        raise UsageError(f"--cert: {args.cert} is not a file")
    return ServerTlsOptions(cert_pem=args.cert, folder=str(settings_folder()))


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
