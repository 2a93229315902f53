"""`send udp`: send DATA `--count` times, `--interval` apart; maybe read the replies.

Apart from `send tcp` so a datagram's start-up does not load the TCP client.
"""

from __future__ import annotations

from app.cli.round_trip_report import report
from app.cli.session import Session
from app.net.udp.sender import UdpSender
from app.net.udp.status import UdpJob, UdpState, UdpStatus
from app.payload import MessageTemplate


class UdpSend:
    """Send `count` datagrams `interval` apart; with `wait`, read replies that long after."""

    def __init__(
        self,
        session: Session,
        target: tuple[str, int],
        message: MessageTemplate,
        count: int,
        interval: float,
        wait: float,
        reply_timeout: float = 1.0,
        rtt_csv: str = "",
    ) -> None:
        self._session = session
        self._rtt_csv = rtt_csv
        static = message.static
        self._job = UdpJob(
            target[0],
            target[1],
            b"" if static is None else static,
            count,
            interval,
            listen=wait > 0,
            template=None if static is not None else message,
        )
        self._wait = wait
        self._started = False
        self._done = False
        printer = session.printer
        self._sender = UdpSender(
            session.reactor, printer.sink, self._on_state, sink_many=printer.sink_many
        )
        self._sender.round_trips.set_reply_timeout(reply_timeout)

    def start(self) -> None:
        self._sender.start(self._job)

    def stop(self) -> None:
        if self._wait > 0:
            recorder = self._sender.round_trips
            recorder.closed(0)  # sends still unanswered at the end are lost too
            report(self._session, recorder, self._rtt_csv)
        self._sender.close()
        if self._session.totals.errors:
            self._session.fail(self._session.totals.first_error)

    def _on_state(self, status: UdpStatus) -> None:
        if status.state is UdpState.SENDING:
            self._started = True
        elif self._started and not self._done:
            self._done = True  # the run ended: sent, stopped, or failed (logged)
            if self._wait > 0 and not self._session.totals.errors:
                self._session.reactor.call_later(self._wait, self._finish)
            else:
                self._session.finish()

    def _finish(self) -> None:
        if not self._session.totals.received:
            self._session.totals.add_error(f"no reply within {self._wait * 1000:g} ms")
        self._session.finish()
