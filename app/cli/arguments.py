"""The command line's grammar: `socket-tester COMMAND …`, with examples in every --help."""

from __future__ import annotations

import argparse

_SEND_EXAMPLES = """examples:
  socket-tester send tcp 127.0.0.1 8000 "Hello, server!" --wait 1000
  socket-tester send udp 127.0.0.1 8000 "Hello, server!"
  socket-tester send udp 127.0.0.1 9000 --hex "01 03 00 00 00 0A {{crc16_modbus}}" --wait 500
  socket-tester send udp 127.0.0.1 9000 "ping {{counter}}" --count 1000 --interval 1 --quiet
  socket-tester send tcp example.test 443 "HEAD / HTTP/1.0\\r\\n\\r\\n" --tls --wait 2000
  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socket-tester send tcp example.test 80 --file - --wait 2000
  socket-tester send tcp 127.0.0.1 8000 "ping" --count 100 --interval 10 --wait 500 --quiet
  socket-tester send udp 127.0.0.1 9000 "n={{counter}}" --count 1000 --interval 1 \\
      --reply-timeout 200 --rtt-csv rtt.csv --json --quiet   (the summary as one JSON line)
  socket-tester send tcp 127.0.0.1 8000 "ping\\n" --connections 50 --count 20 --interval 100
  socket-tester send http http://127.0.0.1:8000/ --timing      (see `send http --help`)
  socket-tester send ws ws://127.0.0.1:8765/ "Hello, server!"  (see `send ws --help`)

round trips: with --wait (or a load run), the summary on stderr gains
  round trips: 100 replies · min … · median … · p95 … · p99 … · max … · jitter … · 0 lost
and each received line ends with its `RTT 0.21 ms`. TCP pairs each reply with the oldest
unanswered send; UDP pairs by the {{counter}} number when the reply holds it, else in order.
Sends unanswered when the connection ends (TCP), after --reply-timeout or at the end (UDP)
are lost. With --json the last stdout line is {"summary": {…}}: the totals, and
"round_trips" with times in milliseconds (min_ms, median_ms, p95_ms, p99_ms, max_ms,
mean_ms, jitter_ms) and the counts (replies, lost, out_of_order, unmatched).

exit codes: 0 sent (and, with --wait, at least one reply); 1 a network failure: refused,
unreachable, no reply at all, or in a load run any connection that failed to connect or
ended before its replies; 2 bad usage or input.
"""
_LISTEN_EXAMPLES = """examples:
  socket-tester listen tcp 8000 --echo
  socket-tester listen udp 8000 --json
  socket-tester listen tcp 9000 --reply "OK\\r\\n" --count 10
  socket-tester listen udp 5000 --bind 0.0.0.0 --duration 60
  socket-tester listen tcp 8443 --tls --echo          (a generated certificate)
  socket-tester listen tcp 9000 --rules rules.json
"""
_SERVE_EXAMPLES = """examples:
  socket-tester serve http 8000
  socket-tester serve http 8000 --folder ./site
  socket-tester serve http 8080 --echo --count 100
  socket-tester serve http 8765 --websocket-echo
  socket-tester serve http 8000 --status 503 --body "down for maintenance"
  socket-tester serve http 8443 --tls --folder ./site
  socket-tester serve http 8000 --routes routes.json --cors
"""
_RELAY_EXAMPLES = """examples:
  socket-tester relay tcp 9000 127.0.0.1 8000
  socket-tester relay tcp 9000 127.0.0.1 8000 --delay 300 --jitter 50
  socket-tester relay udp 9000 127.0.0.1 8000 --drop 10 --corrupt 1
  socket-tester relay tcp 9000 127.0.0.1 8000 --close-after 10 --count 1
"""
TOP_HELP = """commands:
  send      DATA over TCP or UDP (and wait for replies), an HTTP request, WebSocket messages
  listen    a TCP or UDP server that logs (and can answer) what arrives
  serve     an HTTP server: a fixed response, the request echoed, a folder, or routes
  relay     sit between a client and a server, log both ways, break the link on purpose

Without a command the window opens. Every event is one line on stdout; the summary
goes to stderr. Exit codes: 0 success, 1 a network failure, 2 bad usage or input
(22: `send http --fail` and a status of 400 or more).
Run `socket-tester COMMAND --help` for a command's options and examples.
"""


def _raw(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add_common(parser: argparse.ArgumentParser, count_help: str) -> None:
    out = parser.add_argument_group("output and end")
    out.add_argument("--duration", type=float, metavar="S", help="end after S seconds")
    out.add_argument("--count", type=int, metavar="N", help=count_help)
    out.add_argument("--quiet", action="store_true", help="no event lines, only the summary")
    shown = out.add_mutually_exclusive_group()
    shown.add_argument(
        "--json", action="store_true", help="events as JSON Lines (the GUI's .jsonl schema)"
    )
    shown.add_argument("--show-hex", action="store_true", help="data as hex, not escaped text")
    out.add_argument("--pcapng", metavar="FILE", default="", help="also write a pcapng capture")
    out.add_argument(
        "--record", metavar="FILE", default="", help="also record every event as JSON Lines"
    )


def _add_data(parser: argparse.ArgumentParser, name: str = "DATA") -> None:
    parser.add_argument(
        name.lower(),
        nargs="?",
        metavar=name,
        help="text with escapes (\\r \\n \\t \\\\ \\xNN), or hex with --hex",
    )
    parser.add_argument("--hex", action="store_true", help="DATA is hex bytes: 48 65 6c 6c 6f")
    parser.add_argument("--file", metavar="PATH", help="send the bytes of PATH (- for stdin)")


def command_parser(command: str, protocol: str = "") -> argparse.ArgumentParser:
    """One command's parser. Each is its own parser, not a subparser, so options and DATA
    may come in any order (`parse_intermixed_args` does not work with subparsers).
    `send http` has options of its own (curl's letters), so a parser of its own."""
    if command == "send" and protocol == "http":
        return send_http_parser()
    if command == "send" and protocol == "ws":
        from app.cli.arguments_ws import send_ws_parser

        return send_ws_parser()
    build = {
        "send": _send_parser,
        "listen": _listen_parser,
        "serve": _serve_parser,
        "relay": _relay_parser,
    }[command]
    return build()


def _parser(command: str, description: str, epilog: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=f"socket-tester {command}",
        description=description,
        epilog=epilog,
        formatter_class=_raw,
    )


def _send_parser() -> argparse.ArgumentParser:
    send = _parser(
        "send",
        "Send DATA over TCP or UDP; optionally wait for replies. "
        "`send http URL` sends an HTTP request, `send ws URL` WebSocket messages: see "
        "`socket-tester send http --help` and `send ws --help`.",
        _SEND_EXAMPLES,
    )
    send.add_argument("protocol", choices=("tcp", "udp"))
    send.add_argument("host", metavar="HOST")
    send.add_argument("port", metavar="PORT")
    _add_data(send)
    send.add_argument("--interval", type=float, default=0.0, metavar="MS", help="between sends")
    send.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="MS",
        help="wait MS for replies after the last send (TCP: or until the peer closes); "
        "no reply in that time is exit 1",
    )
    send.add_argument(
        "--reply-timeout",
        type=float,
        metavar="MS",
        help="UDP: a send with no reply in MS is lost (default 1000); listens for "
        "replies, for MS after the last send unless --wait says otherwise",
    )
    send.add_argument(
        "--rtt-csv",
        metavar="PATH",
        default="",
        help="write one CSV row per exchange (sent at, received at, RTT, bytes; lost "
        "ones too) at the end; TCP with --wait, UDP listens as with --reply-timeout",
    )
    send.add_argument(
        "--connections",
        type=int,
        metavar="N",
        help="TCP load run: N connections (1-1,000), --count messages on each, "
        "--interval apart on each; waits for every reply (or 1 s of quiet)",
    )
    send.add_argument(
        "--timeout", type=float, default=5000.0, metavar="MS", help="TCP connect timeout"
    )
    tls = send.add_argument_group("TLS (tcp)")
    tls.add_argument("--tls", action="store_true", help="speak TLS, checking the certificate")
    tls.add_argument("--insecure", action="store_true", help="do not check the certificate")
    tls.add_argument("--ca", metavar="FILE", default="", help="also trust this CA file (PEM)")
    tls.add_argument("--sni", metavar="NAME", default="", help="server name to send and check")
    _add_common(send, "send the message N times (default 1)")
    return send


def _listen_parser() -> argparse.ArgumentParser:
    listen = _parser(
        "listen", "A TCP or UDP server that logs, and can answer, what arrives.", _LISTEN_EXAMPLES
    )
    listen.add_argument("protocol", choices=("tcp", "udp"))
    listen.add_argument("port", metavar="PORT")
    _add_bind(listen)
    answer = listen.add_mutually_exclusive_group()
    answer.add_argument("--echo", action="store_true", help="send every message back")
    answer.add_argument("--reply", metavar="DATA", help="answer every message with DATA")
    answer.add_argument(
        "--rules", metavar="FILE", help="answer by the rules of FILE (the tabs' Export)"
    )
    listen.add_argument("--hex", action="store_true", help="--reply is hex bytes")
    listen.add_argument("--max-clients", type=int, default=1000, metavar="N", help="TCP only")
    _add_server_tls(listen, "tcp")
    _add_common(listen, "end after N messages received")
    return listen


def _serve_parser() -> argparse.ArgumentParser:
    serve = _parser(
        "serve",
        "An HTTP server: a fixed response, the request echoed as JSON, or a folder.",
        _SERVE_EXAMPLES,
    )
    serve.add_argument("protocol", choices=("http",))
    serve.add_argument("port", metavar="PORT")
    _add_bind(serve)
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--folder", metavar="DIR", help="serve the files of DIR")
    mode.add_argument("--echo", action="store_true", help="answer with the request as JSON")
    mode.add_argument(
        "--websocket-echo",
        action="store_true",
        help="accept WebSocket upgrades on any path and echo every message (other "
        "requests get the fixed response)",
    )
    serve.add_argument("--body", default="Hello, client!", help="the fixed response's body")
    serve.add_argument("--status", type=int, default=200, help="the fixed response's status")
    serve.add_argument("--content-type", metavar="TYPE", help="the fixed response's type")
    serve.add_argument(
        "--routes", metavar="FILE", help="answer by the routes of FILE (the tab's Export)"
    )
    serve.add_argument(
        "--cors", action="store_true", help="answer CORS preflights, allow every origin"
    )
    _add_server_tls(serve, "https")
    _add_common(serve, "end after N requests answered")
    return serve


def _relay_parser() -> argparse.ArgumentParser:
    relay = _parser(
        "relay",
        "Relay LISTEN_PORT to TARGET_HOST:TARGET_PORT, log both directions, add faults.",
        _RELAY_EXAMPLES,
    )
    relay.add_argument("protocol", choices=("tcp", "udp"))
    relay.add_argument("listen_port", metavar="LISTEN_PORT")
    relay.add_argument("target_host", metavar="TARGET_HOST")
    relay.add_argument("target_port", metavar="TARGET_PORT")
    _add_bind(relay)
    faults = relay.add_argument_group("faults")
    faults.add_argument("--delay", type=int, default=0, metavar="MS", help="added to each chunk")
    faults.add_argument("--jitter", type=int, default=0, metavar="MS", help="± on the delay")
    faults.add_argument(
        "--rate", type=int, default=0, metavar="KBPS", help="kB/s each way (0 = unlimited)"
    )
    faults.add_argument("--drop", type=float, default=0.0, metavar="PCT", help="UDP only")
    faults.add_argument(
        "--corrupt", type=float, default=0.0, metavar="PCT", help="one byte flipped"
    )
    faults.add_argument("--chunk", type=int, default=0, metavar="N", help="forward N-byte pieces")
    faults.add_argument(
        "--close-after", type=int, default=0, metavar="N", help="TCP: cut after N bytes"
    )
    faults.add_argument(
        "--direction",
        choices=("both", "to-target", "to-client"),
        default="both",
        help="which way the faults apply",
    )
    _add_common(relay, "end after N chunks or datagrams received, from either side")
    return relay


def _add_server_tls(parser: argparse.ArgumentParser, what: str) -> None:
    tls = parser.add_argument_group(f"TLS ({what})")
    tls.add_argument("--tls", action="store_true", help="speak TLS to every client")
    tls.add_argument(
        "--cert",
        metavar="PEM",
        default="",
        help="certificate and key in one PEM (default: a generated one for localhost, "
        "kept in the settings folder)",
    )


def _add_bind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="where to listen (default 127.0.0.1; 0.0.0.0 or :: for every interface)",
    )


_SEND_HTTP_EXAMPLES = """examples:
  socket-tester send http http://127.0.0.1:8000/                 (the body on stdout)
  socket-tester send http http://127.0.0.1:8000/ -i --timing     (the head too; the phases)
  socket-tester send http http://127.0.0.1:8000/api -X PUT -H 'Content-Type: application/json' \\
      -d '{"n": {{counter}}}'
  socket-tester send http http://127.0.0.1:8000/upload -d @photo.jpg -H 'Content-Type: image/jpeg'
  socket-tester send http http://127.0.0.1:8000/old -L -o page.html
  socket-tester send http https://localhost:8443/ --insecure --fail
  socket-tester send http http://127.0.0.1:8000/ --count 1000 --interval 0 --quiet
  socket-tester send http http://127.0.0.1:8000/ --json | jq .response.status

output: the last response's body on stdout (-o FILE: in FILE; --quiet: nowhere), its head
first with -i; with --json one {"response": {…}} line per response (status, headers,
body_base64, body_text, timing_ms, failure) and a last {"summary": {…}} line. The summary
goes to stderr; -v also prints the log's lines (request and response heads) on stderr.
--count N sends the request N times over the kept-alive connection, --interval MS after
each response, and the summary gains the round trips (request written to last byte).

exit codes: 0 a response came, whatever its status; 22 with --fail when the (last)
status is 400 or more; 1 no response: the summary names the phase that failed
(resolving the name, connecting, the TLS handshake, sending, waiting, reading the body),
or with --count any request that failed; 2 bad usage or input.
"""


def send_http_parser() -> argparse.ArgumentParser:
    http = argparse.ArgumentParser(
        prog="socket-tester send http",
        description="Send an HTTP request with the HTTP Client tab's engine; print the body.",
        epilog=_SEND_HTTP_EXAMPLES,
        formatter_class=_raw,
    )
    http.add_argument("url", metavar="URL", help="http:// or https://")
    http.add_argument("-X", "--method", metavar="METHOD", help="default GET, or POST with -d")
    http.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header (repeatable); Host, Content-Length, User-Agent and "
        "Accept-Encoding are added unless given",
    )
    http.add_argument(
        "-d",
        "--data",
        metavar="DATA",
        help="the body: text with escapes and macros ({{counter}} counts the requests), "
        "hex with --hex, @FILE for a file's bytes, @- for stdin",
    )
    http.add_argument("--hex", action="store_true", help="DATA is hex bytes")
    http.add_argument("-L", "--location", action="store_true", help="follow redirects (10 at most)")
    http.add_argument(
        "--timeout", type=float, default=30000.0, metavar="MS", help="per phase (default 30000)"
    )
    http.add_argument("--insecure", action="store_true", help="https: do not check the certificate")
    http.add_argument("-o", "--output", metavar="FILE", default="", help="write the body to FILE")
    http.add_argument("-i", "--include", action="store_true", help="print the head before the body")
    http.add_argument(
        "--timing",
        action="store_true",
        help="print DNS, connect, TLS, first byte, download and total times on stderr",
    )
    http.add_argument("--fail", action="store_true", help="exit 22 on a status of 400 or more")
    out = http.add_argument_group("repeat, output and end")
    out.add_argument("--count", type=int, metavar="N", help="send the request N times")
    out.add_argument(
        "--interval", type=float, default=0.0, metavar="MS", help="after each response"
    )
    out.add_argument("--duration", type=float, metavar="S", help="end after S seconds")
    out.add_argument("--quiet", action="store_true", help="no body on stdout")
    out.add_argument("--json", action="store_true", help="responses and summary as JSON Lines")
    out.add_argument(
        "-v", "--verbose", action="store_true", help="the log's lines on stderr as they happen"
    )
    out.add_argument("--pcapng", metavar="FILE", default="", help="also write a pcapng capture")
    out.add_argument(
        "--record", metavar="FILE", default="", help="also record every event as JSON Lines"
    )
    return http
