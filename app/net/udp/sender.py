"""A UDP sender on a Reactor: one datagram or a paced run, replies heard on the same socket."""

from __future__ import annotations

import errno
import selectors
import socket
from collections.abc import Callable

from app.net.address import format_peer
from app.net.errors import describe
from app.net.events import EventSink, EventsSink, Kind, Source, make_event, one_by_one
from app.net.pacing import describe_rates
from app.net.reactor import Reactor
from app.net.resolver import AddrInfo, resolve_async
from app.net.round_trips import RoundTripRecorder, RoundTripSnapshot
from app.net.udp.datagram import numeric_address
from app.net.udp.destination import choose_destination
from app.net.udp.endpoint import UdpEndpoint
from app.net.udp.icmp import HAS_ERROR_QUEUE
from app.net.udp.receiver import DatagramReader, IcmpReport
from app.net.udp.run import UdpRun
from app.net.udp.sender_progress import ProgressCallback, SenderProgress
from app.net.udp.status import UdpJob, UdpState, UdpStatus
from app.payload import MessageCounter, MessageTemplate

# Connect the socket only where the kernel reports ICMP errors to no unconnected socket
# (macOS, Windows) and nobody listens: a connected socket drops every datagram that does
# not come from its peer, so a listening socket is never connected.
CONNECT_WHEN_NOT_LISTENING = not HAS_ERROR_QUEUE

StateCallback = Callable[[UdpStatus], None]


class UdpSender:
    """Lives in the reactor's thread; every public method must be called there."""

    def __init__(
        self,
        reactor: Reactor,
        sink: EventSink,
        on_state: StateCallback,
        on_progress: ProgressCallback | None = None,
        *,
        sink_many: EventsSink | None = None,
        backlog: Callable[[], int] | None = None,
        on_round_trips: Callable[[RoundTripSnapshot], None] | None = None,
    ) -> None:
        self._reactor = reactor
        self._sink = sink
        self._sink_many = sink_many if sink_many is not None else one_by_one(sink)
        self._on_state = on_state
        self._backlog = backlog or (lambda: 0)
        self._endpoint = UdpEndpoint(reactor)
        self._listen = False
        self._attempt = 0
        self._resolving = False
        self._run: UdpRun | None = None
        self._peer = ""  # the destination of the latest Send, shown on its log lines
        self._socket_peer = ""  # where the open socket sent last
        # Replies heard while listening are paired with the datagrams sent (by their
        # {{counter}} number when the payload has one); unanswered ones are lost after
        # the reply timeout.
        self.round_trips = RoundTripRecorder(reactor, on_round_trips)
        self._reader = DatagramReader(self._sink_many, recorder=self.round_trips)
        self._icmp = IcmpReport(reactor, sink)
        self._progress = SenderProgress(reactor, self, on_progress)
        self._send: Callable[..., int] = _not_open
        self._address: object = None  # where `_send` sends; None once connected
        self.sent = self.sent_bytes = self.received = self.received_bytes = 0
        self.counter = MessageCounter()  # the tab's {{counter}}: every datagram sent counts

    @property
    def _sock(self) -> socket.socket | None:
        return self._endpoint.sock

    @property
    def run(self) -> UdpRun | None:
        """The run in progress, if any."""
        return self._run

    @property
    def state(self) -> UdpState:
        if self._run is not None or self._resolving:
            return UdpState.SENDING
        if self._sock is not None and self._listen:
            return UdpState.LISTENING
        return UdpState.IDLE

    # -- commands --------------------------------------------------------------------

    def start(self, job: UdpJob) -> None:
        if self.state is UdpState.SENDING:
            self._log(Kind.ERROR, "A run is in progress: stop it first; nothing was sent")
            return
        self._attempt += 1
        attempt = self._attempt
        self._listen = job.listen
        self._resolving = True
        self._peer = format_peer(job.host, job.port)
        self._set_state()
        infos = numeric_address(job.host, job.port)
        if infos is not None:
            self._resolved(attempt, job, infos, "")
            return
        resolve_async(
            self._reactor,
            job.host,
            job.port,
            socket.SOCK_DGRAM,
            lambda infos, reason: self._resolved(attempt, job, infos, reason),
        )

    def stop(self) -> None:
        """End a run (or a pending resolution) now; the socket stays if listening."""
        if self._run is not None:
            run = self._run
            self._end_run(
                Kind.INFO,
                f"Stopped after {run.sent:,} of {run.total:,} datagrams to {run.peer} "
                f"({describe_rates(run.requested, run.rate())})",
            )
        elif self._resolving:
            self._attempt += 1
            self._resolving = False
            self._log(Kind.INFO, f"Sending to {self._peer} cancelled")
            self._release_if_idle()
            self._set_state()

    def set_listen(self, listen: bool) -> None:
        """Turning listening off releases an idle socket; during a run, at its end."""
        self._listen = listen
        if not listen and self._sock is not None and self._run is None:
            self._log(Kind.INFO, f"Stopped listening on {self._local()}")
            self._close_socket()
            self._progress.report(force=True)  # the last replies' counts, not in 0.1 s
        self._watch()
        self._set_state()

    def release(self) -> None:
        """Stop any run and close the socket (the tab's Close)."""
        self.stop()
        if self._sock is not None:
            self._log(Kind.INFO, f"Closed the socket on {self._local()}")
            self._close_socket()
            self._progress.report(force=True)
        self._set_state()

    def close(self) -> None:
        """Release everything at shutdown without logging a sentence per object."""
        self._attempt += 1
        self._resolving = False
        if self._run is not None:
            self._run.cancel()
        self._run = None
        self._icmp.cancel()
        self._progress.cancel()
        self.round_trips.close()
        self._close_socket()

    # -- preparing a run -------------------------------------------------------------

    def _resolved(
        self, attempt: int, job: UdpJob, infos: list[AddrInfo] | None, reason: str
    ) -> None:
        if attempt != self._attempt:
            return
        self._resolving = False
        if not infos:
            self._refuse(f"Cannot resolve {job.host!r}: {reason or 'no address'}")
            return
        where = choose_destination(
            infos,
            job,
            listen=self._listen,
            connect_when_not_listening=CONNECT_WHEN_NOT_LISTENING,
        )
        self._peer = where.peer
        if where.ip != job.host:
            self._log(Kind.INFO, f"{job.host} resolved to {where.ip}")
        if where.problem:
            self._refuse(where.problem)
            return
        connect = where.connect
        problem = self._open_socket(where.family, where.bind_host, job.local_port, connect=connect)
        if problem:
            self._refuse(problem)
            return
        sock = self._sock
        assert sock is not None
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, int(job.broadcast))
            if connect:
                # The kernel then reports ICMP "port unreachable" on a later call.
                sock.connect(where.address)
                self._send, self._address = sock.send, None
            else:
                # Unconnected: replies from any address and port are heard (devices and
                # broadcast answers often come from elsewhere); ICMP errors still reach
                # the socket through IP_RECVERR where the kernel has it.
                self._send, self._address = sock.sendto, where.address
            self._socket_peer = self._peer
        except OSError as exc:
            self._close_socket()
            self._refuse(f"{describe(exc)}: {self._peer}; nothing sent")
            return
        self._start_run(job)

    def _open_socket(self, family: int, bind_host: str, local_port: int, *, connect: bool) -> str:
        """Reuse the listening socket when it fits, else open one; returns a problem or ""."""
        if self._endpoint.fits(family, bind_host, local_port, connect=connect):
            return ""
        self._reader.forget_peers()
        return self._endpoint.open(family, bind_host, local_port, connect=connect)

    def _start_run(self, job: UdpJob) -> None:
        sock = self._sock
        assert sock is not None
        template = job.template or MessageTemplate.literal(job.data)
        data = template.static if template.static is not None else b""
        multi = None
        recorder = self.round_trips if self._listen else None
        if self._address is not None and job.count > 1:
            # ctypes and the sendmmsg binding load with the first repeat run, not at start-up.
            from app.net.udp.multi_send import MultiSender

            multi = MultiSender.create(sock, self._endpoint.family, self._address, data)
        run = UdpRun(
            self._reactor,
            self._send,
            self._address,
            data,
            job.count,
            job.interval,
            self._peer,
            sink_many=self._sink_many,
            backlog=self._backlog,
            on_burst=self._after_burst,
            on_blocked=self._watch,
            on_end=self._run_ended,
            multi=multi,
            template=template,
            counter=self.counter,
            recorder=recorder,
        )
        self._run = run
        self._icmp.reset()
        if job.count > 1:
            pace = f"every {job.interval * 1000:g} ms" if job.interval else "as fast as possible"
            size = (
                f"of {len(data):,} bytes"
                if template.is_static
                else f"rendered from their macros ({len(template.sample()):,} bytes the first)"
            )
            self._log(Kind.INFO, f"Sending {job.count:,} datagrams {size} to {run.peer}, {pace}")
        if self._listen:
            self._log(Kind.INFO, f"Listening for replies on {self._local()}")
        self._watch()
        self._set_state()
        self._progress.report(force=True)
        run.start()

    # -- the run ---------------------------------------------------------------------

    def _after_burst(self, done: int, refused: int) -> None:
        if done and self._run is not None:
            self.sent += done
            self.sent_bytes += self._run.burst_bytes
            self._progress.report()
        if refused or self._endpoint.error_queue:
            # A sendmmsg call that stops short swallows the refusal that stopped it, so the
            # error queue is read after every burst (one quick system call).
            self._note_refused(refused)

    def _run_ended(self, failure: OSError | None) -> None:
        run = self._run
        assert run is not None
        if failure is not None:
            self._end_run(Kind.ERROR, run.failure_message(failure))
        elif run.total > 1:
            self._end_run(Kind.INFO, run.summary())
        else:
            self._end_run(None, "")

    def _end_run(self, kind: Kind | None, message: str) -> None:
        run = self._run
        assert run is not None
        run.cancel()
        queue = self._endpoint.error_queue_socket
        if queue is not None:
            # Loopback answers at once: even the last datagram's "no listener" is here.
            self._icmp.drain(queue, 0, self._socket_peer)
        self._icmp.flush()
        self._progress.report(force=True)
        self._run = None
        if kind is not None:
            self._log(kind, message)
        self._release_if_idle()
        self._watch()
        self._set_state()

    # -- socket events ---------------------------------------------------------------

    def _watch(self) -> None:
        """Register for exactly what is needed now: replies if listening, writability if blocked."""
        writing = self._run is not None and self._run.blocked
        mask = (selectors.EVENT_READ if self._listen else 0) | (
            selectors.EVENT_WRITE if writing else 0
        )
        self._endpoint.watch(mask, self._ready)

    def _ready(self, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            self._read()
        if mask & selectors.EVENT_WRITE and self._run is not None:
            run = self._run
            run.writable()
            if self._run is run:
                self._watch()

    def _read(self) -> None:
        sock = self._sock
        if sock is None:
            return
        result = self._reader.read(sock)
        if result.datagrams:
            self.received += result.datagrams
            self.received_bytes += result.size
            self._progress.report()
        if result.refused or result.failure is not None or not result.datagrams:
            # A wake with nothing to read is a queued error the selector saw (it stays
            # "readable" until the queue is drained, so draining also prevents a spin).
            self._note_refused(result.refused)
        if result.failure is not None:
            message = f"{describe(result.failure)} while reading replies on {self._local()}"
            self._log(Kind.ERROR, message)

    # -- reporting -------------------------------------------------------------------

    def _note_refused(self, count: int) -> None:
        """`count` calls failed with an ICMP error; the error queue, if any, says which."""
        self._icmp.drain(self._endpoint.error_queue_socket, count, self._socket_peer)

    def _set_state(self) -> None:
        self._on_state(
            UdpStatus(
                self.state,
                self._socket_peer if self.state is UdpState.LISTENING else self._peer,
                self._local() if self._sock is not None else "",
                self._listen and self._sock is not None,
            )
        )

    def _local(self) -> str:
        return self._endpoint.local()

    def _refuse(self, message: str) -> None:
        """A run that cannot start: one error line, back to idle (or listening)."""
        self._log(Kind.ERROR, message)
        self._release_if_idle()
        self._set_state()

    def _release_if_idle(self) -> None:
        if self._sock is not None and not self._listen and self._run is None:
            self._close_socket()

    def _close_socket(self) -> None:
        self._endpoint.close()

    def _log(self, kind: Kind, message: str) -> None:
        self._sink(make_event(Source.UDP, kind, message, peer=self._peer))


def _not_open(*_args: object) -> int:
    raise OSError(errno.EBADF, "No socket is open")
