"""A load run's fields (`<prefix>Count`, `Interval`, `Connections`, `Stop`) and its progress.

It sits under a tab's message: the fields on one line, and while a run is shown its
progress bar (`<prefix>Progress`) and rates (`<prefix>Rates`: requested and achieved side
by side, app/net/pacing.py) on the next, so the tab's footer keeps its width. The tab
decides what Send does; this only builds the job and shows the run.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.net.framing import FramingSpec
from app.net.pacing import describe_rates
from app.net.tcp.load_status import LoadPhase, TcpLoadJob, TcpLoadProgress
from app.payload import Message
from app.ui.widgets.status_label import Tone
from app.units import format_bytes, plural

MAX_COUNT = 10_000_000
MAX_INTERVAL_MS = 3_600_000
MAX_CONNECTIONS = 1000


class LoadFields(QWidget):
    mode_changed = Signal()  # count or connections changed: Send may mean a run now

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = QSpinBox()
        self.count.setObjectName(f"{prefix}Count")
        self.count.setRange(1, MAX_COUNT)
        self.count.setGroupSeparatorShown(True)
        self.count.setToolTip("How many messages each connection of a run sends")
        # Milliseconds with two decimals: 0.1 ms asks one connection for 10,000/s.
        self.interval = QDoubleSpinBox()
        self.interval.setObjectName(f"{prefix}Interval")
        self.interval.setRange(0.0, MAX_INTERVAL_MS)
        self.interval.setDecimals(2)
        self.interval.setGroupSeparatorShown(True)
        self.interval.setSuffix(" ms")
        self.interval.setSpecialValueText("As fast as the peer takes them")
        self.interval.setToolTip(
            "Time between two messages on each connection; 0 = the next one as soon as "
            "the previous one is written"
        )
        self.connections = QSpinBox()
        self.connections.setObjectName(f"{prefix}Connections")
        self.connections.setRange(1, MAX_CONNECTIONS)
        self.connections.setGroupSeparatorShown(True)
        self.connections.setToolTip(
            "Parallel connections to the server during a run; more than one message or "
            "connection makes Send a run of its own connections"
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName(f"{prefix}Stop")
        self.stop_button.setToolTip("Stop the run and close its connections")
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName(f"{prefix}Progress")
        self.progress.hide()
        self.rates = QLabel()
        self.rates.setObjectName(f"{prefix}Rates")
        self.rates.hide()

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        column.addLayout(row)
        for label, widget in (
            ("Count", self.count),
            ("Interval", self.interval),
            ("Connections", self.connections),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
            row.addSpacing(12)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        shown = QHBoxLayout()
        shown.addWidget(self.progress, 1)
        shown.addSpacing(12)
        shown.addWidget(self.rates)
        column.addLayout(shown)
        self.count.valueChanged.connect(self.mode_changed)
        self.connections.valueChanged.connect(self.mode_changed)

    def input_widgets(self) -> list[QWidget]:
        return [self.count, self.interval, self.connections]

    def is_run(self) -> bool:
        return self.count.value() > 1 or self.connections.value() > 1

    def job(
        self, host: str, port: int, message: Message, timeout: float, framing: FramingSpec
    ) -> TcpLoadJob:
        return TcpLoadJob(
            host,
            port,
            message,
            self.count.value(),
            self.interval.value() / 1000,
            self.connections.value(),
            timeout,
            framing,
        )

    def set_running(self, running: bool) -> None:
        for widget in self.input_widgets():
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def started(self, job: TcpLoadJob) -> None:
        self.progress.setRange(0, max(job.total, 1))
        self.progress.setValue(0)
        self.progress.setFormat(f"0 / {job.total:,}")
        self.progress.show()
        self.rates.setText(describe_rates(job.requested, 0.0))
        self.rates.show()

    def show_progress(self, progress: TcpLoadProgress) -> tuple[str, Tone]:
        """Show `progress` on the bar and the rates; returns the tab's status text."""
        total = max(progress.total, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(progress.sent, total))
        self.progress.setFormat(f"{progress.sent:,} / {progress.total:,}")
        self.progress.setToolTip(
            f"{progress.sent:,} of {progress.total:,} messages sent, "
            f"{progress.received:,} received, on {progress.open:,} open connections"
        )
        self.rates.setText(describe_rates(progress.requested, progress.achieved))
        failed = f" · {progress.failed:,} failed to connect" if progress.failed else ""
        if progress.phase is LoadPhase.DONE:
            return (
                f"Run done: {plural(progress.sent, 'message')} sent "
                f"({format_bytes(progress.sent_bytes)}), "
                f"{format_bytes(progress.received_bytes)} back, "
                f"on {plural(progress.connected, 'connection')}{failed}",
                Tone.BAD if progress.failed else Tone.GOOD,
            )
        return (
            f"Run: {progress.phase.value} · {progress.connected:,} of "
            f"{progress.connections:,} connected{failed}",
            Tone.BUSY,
        )
