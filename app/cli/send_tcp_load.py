"""`send tcp --connections N`: a load run (app/net/tcp/load_run.py) without a window."""

from __future__ import annotations

from app.cli.round_trip_report import report
from app.cli.session import Session
from app.net.pacing import describe_rates
from app.net.round_trips import RoundTripRecorder
from app.net.tcp.load_run import TcpLoadRun
from app.net.tcp.load_status import TcpLoadJob
from app.payload import MessageCounter


class TcpLoadSend:
    """N connections, `count` messages on each; the run ends by itself once every reply
    is in (or after its quiet grace), and any connection that failed fails the command."""

    def __init__(self, session: Session, job: TcpLoadJob, rtt_csv: str = "") -> None:
        self._session = session
        self._rtt_csv = rtt_csv
        # No reply timeout: a send is lost when its connection ends unanswered.
        self._round_trips = RoundTripRecorder(session.reactor, reply_timeout=None)
        printer = session.printer
        self._run = TcpLoadRun(
            session.reactor,
            job,
            sink=printer.sink,
            sink_many=printer.sink_many,
            counter=MessageCounter(),
            backlog=lambda: 0,  # the printer writes each loop turn; nothing piles up
            on_progress=lambda _progress: None,
            on_end=session.finish,
            round_trips=self._round_trips,
        )

    def start(self) -> None:
        self._run.start()

    def stop(self) -> None:
        run = self._run
        run.stop()  # a run ended by --duration or a signal logs its line as "stopped"
        progress = run.snapshot()
        session = self._session
        session.report_lines.append(
            f"load run: {progress.connected:,} of {progress.connections:,} connections · "
            + describe_rates(progress.requested, progress.achieved)
        )
        session.report_json["load"] = {
            "connections": progress.connections,
            "connected": progress.connected,
            "failed_to_connect": progress.failed,
            "messages_per_connection": run.job.count,
            "requested_per_s": progress.requested,
            "achieved_per_s": round(progress.achieved, 3),
        }
        report(session, self._round_trips, self._rtt_csv)
        run.close()
        self._round_trips.close()
        if session.totals.errors:
            session.fail(session.totals.first_error)
