"""A TcpServer in a process of its own with few file descriptors, for the EMFILE test.

Run as `python -m tests.net.tcp.emfile_server LIMIT`: lowers RLIMIT_NOFILE (soft and hard)
to LIMIT,
listens on a free loopback port, prints `PORT n`, then one line per log event, and ends
when its stdin closes.
"""

from __future__ import annotations

import resource
import sys
import threading

from app.net.events import LogEvent
from app.net.reactor import Reactor
from app.net.tcp.server import TcpServer


def main() -> None:
    limit = int(sys.argv[1])
    # The hard limit too: the server raises the soft limit to the hard one at start.
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    reactor = Reactor()
    port: list[int] = []
    ready = threading.Event()

    def sink(event: LogEvent) -> None:
        print(f"{event.kind.value} {event.message}", flush=True)

    def on_state(status: object) -> None:
        bound = getattr(status, "bound", "")
        if bound and not port:
            port.append(int(bound.rpartition(":")[2]))
            ready.set()

    server = TcpServer(reactor, sink, on_state)
    thread = threading.Thread(target=reactor.run, daemon=True)
    thread.start()
    reactor.call_soon(server.start, "127.0.0.1", 0, 1000)
    ready.wait(10)
    print(f"PORT {port[0]}", flush=True)
    sys.stdin.read()
    reactor.stop()
    thread.join(2)
    server.close()
    reactor.close()


if __name__ == "__main__":
    main()
