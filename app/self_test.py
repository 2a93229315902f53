"""`socket-tester --self-test`: drive every tab against loopback peers, one line per step.

The smoke test of a frozen build. It opens the real main window offscreen, uses it only
through the public objectNames (clicks, typed values, labels, the log model), checks that
the log shows each step, closes the window and exits 0 when every step passed, else 1.
A step whose tab is missing fails; nothing is skipped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QMainWindow, QTableView, QTabWidget

from app.net.events import Kind, LogEvent, Source
from app.self_test_command_line import command_line_step
from app.self_test_http_client import http_client_step
from app.self_test_peers import (
    LOOPBACK,
    HttpFetch,
    LoopbackPeers,
    free_loopback_port,
    port_is_free,
)
from app.self_test_relay import relay_step
from app.self_test_rules import tcp_rules_step
from app.self_test_tcp_server import tcp_server_step
from app.self_test_tls import tls_step
from app.self_test_udp_listener import udp_listener_step
from app.self_test_widgets import (
    Deadline,
    StepFailed,
    choose,
    choose_if_present,
    click,
    find,
    set_number,
    set_number_if_present,
    set_text,
    text_of,
    wait_until,
)
from app.ui.tabs.registry import TABS

OVERALL_DEADLINE_S = 30.0
# One step may take this long; the overall deadline still caps it.
STEP_TIMEOUT_S = 10.0
UDP_DATAGRAMS = 3
HTTP_PATH = "/self-test"


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    ok: bool
    reason: str = ""

    def line(self) -> str:
        return f"ok    {self.name}" if self.ok else f"FAIL  {self.name}: {self.reason}"


class SelfTest:
    """The steps, in order, over one shown main window and one set of loopback peers.

    Each step is a method that returns on success and raises StepFailed with one sentence
    otherwise; `run()` turns them into StepResults and always ends with "close window".
    """

    def __init__(
        self, window: QMainWindow, peers: LoopbackPeers, deadline_s: float = OVERALL_DEADLINE_S
    ) -> None:
        self.window = window
        self.peers = peers
        self.deadline = Deadline(deadline_s)
        token = secrets.token_hex(4)
        self.tcp_payload = f"self-test tcp {token}"
        self.udp_payload = f"self-test udp {token}"
        self.http_body = f"Socket Tester self-test {token}"
        self.http_port = 0
        self.http_started = False
        # What the passed steps put on the wire: "log totals" checks against these only,
        # so a missing tab fails its own step and not this one as well.
        self.expected_sent = 0
        self.expected_received = 0
        self.steps: list[tuple[str, Callable[[], None]]] = [
            ("open window", self.open_window),
            ("http start", self.http_start),
            ("tcp echo", self.tcp_echo),
            ("udp send", self.udp_send),
            ("tcp server", lambda: tcp_server_step(self)),
            ("tcp rules", lambda: tcp_rules_step(self)),
            ("udp listener", lambda: udp_listener_step(self)),
            ("relay", lambda: relay_step(self, self.peers.tcp_port)),
            ("tls", lambda: tls_step(self)),
            ("http fetch", self.http_fetch),
            ("http client", self.http_client),
            ("log totals", self.log_totals),
            ("http stop", self.http_stop),
            ("command line", lambda: command_line_step(self)),
        ]

    # -- running ---------------------------------------------------------------------

    def run(self, report: Callable[[StepResult], None] | None = None) -> list[StepResult]:
        results = []
        for name, step in [*self.steps, ("close window", self.close_window)]:
            result = self.run_step(name, step)
            results.append(result)
            if report is not None:
                report(result)
        return results

    def run_step(self, name: str, step: Callable[[], None]) -> StepResult:
        if self.deadline.passed() and name != "close window":
            return StepResult(name, False, f"not run: the {self.deadline.seconds:.0f} s passed")
        try:
            step()
        except StepFailed as exc:
            return StepResult(name, False, str(exc))
        except Exception as exc:  # a bug in the app or the self-test: still one line
            return StepResult(name, False, f"unexpected {type(exc).__name__}: {exc}")
        return StepResult(name, True)

    def wait(self, condition: Callable[[], bool], what: str, state: Callable[[], str]) -> None:
        wait_until(condition, STEP_TIMEOUT_S, what, deadline=self.deadline, state=state)

    def click(self, name: str) -> None:
        click(self.window, name, STEP_TIMEOUT_S, deadline=self.deadline)

    # -- the log -----------------------------------------------------------------------

    def events(self, source: Source) -> list[LogEvent]:
        model = self.window.log_pane.model  # type: ignore[attr-defined]
        rows = (model.event_at(row) for row in range(model.rowCount()))
        return [event for event in rows if event.source is source]

    def errors(self, source: Source) -> str:
        messages = [e.message for e in self.events(source) if e.kind is Kind.ERROR]
        return f"log errors: {messages[-3:]}" if messages else "no error in the log"

    # -- steps -------------------------------------------------------------------------

    def open_window(self) -> None:
        if not self.window.isVisible():
            self.window.show()
        self.wait(self.window.isVisible, "visible main window", lambda: "window hidden")
        tabs = find(self.window, QTabWidget, "tabs")
        find(self.window, QTableView, "logView")
        assert isinstance(tabs, QTabWidget)
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        missing = [entry.title for entry in TABS if entry.title not in titles]
        if missing:
            raise StepFailed(f"no {', '.join(missing)} tab (tabs: {titles})")
        # The icon is read from resources/: a frozen build without it shows none.
        if self.window.windowIcon().pixmap(32).isNull():
            raise StepFailed("the window has no icon (resources/icon.png not found)")

    def http_start(self) -> None:
        set_text(self.window, "httpBind", LOOPBACK)
        self.http_port = free_loopback_port()
        set_number(self.window, "httpPort", self.http_port)
        choose(self.window, "httpMode", "Fixed")
        set_text(self.window, "httpBody", self.http_body)
        self.click("httpStart")
        self.wait(
            lambda: text_of(self.window, "httpStatus").startswith("Running"),
            "'Running' in httpStatus",
            lambda: (
                f"httpStatus says {text_of(self.window, 'httpStatus')!r}; "
                + self.errors(Source.HTTP)
            ),
        )
        self.http_started = True

    def tcp_echo(self) -> None:
        set_text(self.window, "tcpHost", LOOPBACK)
        set_number(self.window, "tcpPort", self.peers.tcp_port)
        self.click("tcpConnect")
        self.wait(
            lambda: text_of(self.window, "tcpStatus").startswith("Connected"),
            "'Connected' in tcpStatus",
            lambda: (
                f"tcpStatus says {text_of(self.window, 'tcpStatus')!r}; " + self.errors(Source.TCP)
            ),
        )
        choose_if_present(self.window, "tcpFormat", "Text")
        choose_if_present(self.window, "tcpLineEnding", "No")
        set_text(self.window, "tcpPayload", self.tcp_payload)
        self.click("tcpSend")
        payload = self.tcp_payload.encode()
        self.wait(
            lambda: payload in self._joined(Source.TCP, Kind.SENT),
            "sent event with the payload in the log",
            lambda: self.errors(Source.TCP),
        )
        self.wait(
            lambda: payload in self._joined(Source.TCP, Kind.RECEIVED),
            "echo of the payload in the log",
            lambda: (
                f"echo server echoed {self.peers.echoed_bytes} bytes; "
                f"log received {self._joined(Source.TCP, Kind.RECEIVED)[-60:]!r}"
            ),
        )
        self.expected_sent += len(payload)
        self.expected_received += len(payload)
        self.click("tcpConnect")  # Disconnect
        self.wait(
            lambda: text_of(self.window, "tcpStatus").startswith("Disconnected"),
            "'Disconnected' in tcpStatus",
            lambda: f"tcpStatus says {text_of(self.window, 'tcpStatus')!r}",
        )

    def udp_send(self) -> None:
        set_text(self.window, "udpHost", LOOPBACK)
        set_number(self.window, "udpPort", self.peers.udp_port)
        choose_if_present(self.window, "udpFormat", "Text")
        choose_if_present(self.window, "udpLineEnding", "No")
        set_text(self.window, "udpPayload", self.udp_payload)
        set_number(self.window, "udpCount", UDP_DATAGRAMS)
        set_number_if_present(self.window, "udpInterval", 0)
        find(self.window, QTableView, "logView")
        text_of(self.window, "udpStatus")  # part of the contract: fail if it is missing
        self.click("udpSend")
        payload = self.udp_payload.encode()
        self.wait(
            lambda: self.peers.received_datagrams().count(payload) >= UDP_DATAGRAMS,
            f"{UDP_DATAGRAMS} datagrams at the receiver",
            lambda: (
                f"receiver got {len(self.peers.received_datagrams())}; "
                f"udpStatus says {text_of(self.window, 'udpStatus')!r}; " + self.errors(Source.UDP)
            ),
        )
        self.wait(
            lambda: self._count(Source.UDP, Kind.SENT, payload) >= UDP_DATAGRAMS,
            f"{UDP_DATAGRAMS} sent datagrams in the log",
            lambda: (
                f"log shows {self._count(Source.UDP, Kind.SENT, payload)}; "
                + self.errors(Source.UDP)
            ),
        )
        self.expected_sent += UDP_DATAGRAMS * len(payload)

    def http_fetch(self) -> None:
        if not self.http_started:
            raise StepFailed("the HTTP server did not start (see 'http start')")
        fetch = HttpFetch(self.http_port, HTTP_PATH).start()
        try:
            self.wait(
                lambda: fetch.result is not None,
                f"answer to GET {HTTP_PATH}",
                lambda: "the request is still pending; " + self.errors(Source.HTTP),
            )
        finally:
            fetch.join()
        result = fetch.result
        assert result is not None
        if result.error:
            raise StepFailed(f"GET {HTTP_PATH} failed: {result.error}")
        if result.status != 200 or self.http_body.encode() not in result.body:
            raise StepFailed(
                f"GET {HTTP_PATH} answered {result.status} with {result.body[:80]!r}, "
                f"expected 200 with {self.http_body!r}"
            )
        self.wait(
            lambda: any(HTTP_PATH in f"{e.message} {e.detail}" for e in self.events(Source.HTTP)),
            f"log row for GET {HTTP_PATH}",
            lambda: f"HTTP rows: {[e.message for e in self.events(Source.HTTP)][-3:]}",
        )

    def http_client(self) -> None:
        if not self.http_started:
            raise StepFailed("the HTTP server did not start (see 'http start')")
        http_client_step(self, self.http_port, self.http_body)

    def log_totals(self) -> None:
        model = self.window.log_pane.model  # type: ignore[attr-defined]
        totals = model.totals
        if totals.sent_bytes < self.expected_sent:
            raise StepFailed(
                f"log totals count {totals.sent_bytes} bytes sent, expected >= {self.expected_sent}"
            )
        if totals.received_bytes < self.expected_received:
            raise StepFailed(
                f"log totals count {totals.received_bytes} bytes received, "
                f"expected >= {self.expected_received}"
            )
        if totals.events < model.rowCount():
            raise StepFailed(f"log totals count {totals.events} events for {model.rowCount()} rows")
        errors = [model.event_at(r) for r in range(model.rowCount())]
        errors = [e for e in errors if e.kind is Kind.ERROR]
        if errors or totals.errors:
            first = errors[0] if errors else None
            where = f"{first.source.value}: {first.message}" if first else "(row trimmed)"
            raise StepFailed(f"{totals.errors} error(s) in the log, first {where}")

    def http_stop(self) -> None:
        if not self.http_started:
            raise StepFailed("the HTTP server did not start (see 'http start')")
        self.click("httpStart")  # Stop
        self.wait(
            lambda: text_of(self.window, "httpStatus").startswith("Stopped"),
            "'Stopped' in httpStatus",
            lambda: f"httpStatus says {text_of(self.window, 'httpStatus')!r}",
        )
        self.wait(
            lambda: port_is_free(self.http_port),
            f"free port {self.http_port} after Stop",
            lambda: "the port is still bound",
        )
        self.http_started = False

    def close_window(self) -> None:
        window = self.window
        window.close()
        tabs = getattr(window, "tool_tabs", [])
        running = [type(w).__name__ for t in tabs for w in t.workers() if w.isRunning()]
        if window.isVisible():
            raise StepFailed("the window is still visible after close()")
        if running:
            raise StepFailed(f"workers still running after close: {running}")

    # -- helpers -----------------------------------------------------------------------

    def _joined(self, source: Source, kind: Kind) -> bytes:
        return b"".join(e.data for e in self.events(source) if e.kind is kind)

    def _count(self, source: Source, kind: Kind, data: bytes) -> int:
        return sum(1 for e in self.events(source) if e.kind is kind and e.data == data)


def summary(results: Iterable[StepResult]) -> str:
    results = list(results)
    failed = [r.name for r in results if not r.ok]
    if not failed:
        return f"self-test passed: {len(results)} steps"
    return f"self-test FAILED: {len(failed)} of {len(results)} steps ({', '.join(failed)})"


def _quiet_offscreen_notice(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    # The offscreen platform warns on every window shown; it says nothing about the app.
    if "propagateSizeHints" in message or sys.stderr is None:
        return
    sys.stderr.write(message + "\n")


def _print(line: str) -> None:
    # A windowed build may have no stdout at all, and `| head` may stop reading: the
    # exit code still tells the result.
    if sys.stdout is None:
        return
    try:
        print(line, flush=True)
    except BrokenPipeError:
        sys.stdout = None  # type: ignore[assignment]


def run_self_test_cli() -> int:
    """The `--self-test` command: 0 when every step passed, 1 otherwise."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    settings_dir = tempfile.mkdtemp(prefix="socket-tester-self-test-")
    # A scratch settings file: the self-test never reads or overwrites a person's own.
    os.environ["SOCKET_TESTER_SETTINGS"] = os.path.join(settings_dir, "settings.ini")
    qInstallMessageHandler(_quiet_offscreen_notice)
    try:
        from app.ui.application import create_main_window, ensure_application

        ensure_application()
        window = create_main_window()
        window.show()
        with LoopbackPeers() as peers:
            results = SelfTest(window, peers).run(report=lambda r: _print(r.line()))
        window.deleteLater()
    finally:
        shutil.rmtree(settings_dir, ignore_errors=True)
    _print(summary(results))
    return 0 if all(r.ok for r in results) else 1
