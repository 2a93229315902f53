"""`send ws`'s grammar (apart from arguments.py, which is near its size limit)."""

from __future__ import annotations

import argparse

_SEND_WS_EXAMPLES = """examples:
  socket-tester serve http 8765 --websocket-echo &      (a peer to try it on)
  socket-tester send ws ws://127.0.0.1:8765/ "Hello, server!"
  socket-tester send ws ws://127.0.0.1:8765/chat "one" "two" --interval 100 --ping
  printf 'first\\nsecond\\n' | socket-tester send ws ws://127.0.0.1:8765/     (a message a line)
  socket-tester send ws ws://127.0.0.1:8765/ --hex "01 02 ff" --count 1   (binary; end at the echo)
  socket-tester send ws wss://localhost:8443/ "hi" --insecure --json

Every frame sent and received is a line on stdout (--json: JSON Lines); after the last
message the command waits --wait MS (or for --count messages back), then closes with
1000 and waits for the peer's close (2 s at most).

exit codes: 0 opened and closed; 1 the open failed (refused, the TLS check, the upgrade
refused: the reason is printed) or the connection broke; 2 bad usage or input.
"""


def send_ws_parser() -> argparse.ArgumentParser:
    ws = argparse.ArgumentParser(
        prog="socket-tester send ws",
        description="Send WebSocket messages with the HTTP Client tab's client; print frames.",
        epilog=_SEND_WS_EXAMPLES,
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(
            prog, max_help_position=32
        ),
    )
    ws.add_argument("url", metavar="URL", help="ws:// or wss://")
    ws.add_argument(
        "messages",
        nargs="*",
        metavar="MESSAGE",
        help="text messages with escapes and macros (default: the lines of stdin, when it "
        "is not a terminal)",
    )
    ws.add_argument("--hex", action="store_true", help="each MESSAGE is hex: a binary message")
    ws.add_argument("--ping", action="store_true", help="send a ping first (the pong has its RTT)")
    ws.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header to the upgrade request (repeatable)",
    )
    ws.add_argument("--interval", type=float, default=0.0, metavar="MS", help="between messages")
    ws.add_argument(
        "--wait",
        type=float,
        default=1000.0,
        metavar="MS",
        help="for replies after the last message, then close (default 1000)",
    )
    ws.add_argument(
        "--timeout", type=float, default=10000.0, metavar="MS", help="to open (default 10000)"
    )
    ws.add_argument("--insecure", action="store_true", help="wss: do not check the certificate")
    out = ws.add_argument_group("output and end")
    out.add_argument("--count", type=int, metavar="N", help="close once N messages came back")
    out.add_argument("--duration", type=float, metavar="S", help="end after S seconds")
    out.add_argument("--quiet", action="store_true", help="no event lines, only the summary")
    shown = out.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="events as JSON Lines")
    shown.add_argument("--show-hex", action="store_true", help="data as hex, not escaped text")
    out.add_argument("--pcapng", metavar="FILE", default="", help="also write a pcapng capture")
    out.add_argument(
        "--record", metavar="FILE", default="", help="also record every event as JSON Lines"
    )
    return ws
