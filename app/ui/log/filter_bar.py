"""The row above the log that says what to show: free text, sources, kinds."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from app.net.events import Kind, Source
from app.resources import warning_icon
from app.ui.log.filter import LogFilter
from app.ui.log.model import KIND_COLORS

# Typing is answered after this pause, so each keystroke does not restart a scan.
TEXT_SETTLE_MS = 80

_KIND_TIPS = {
    Kind.SENT: "Show bytes this app sent",
    Kind.RECEIVED: "Show bytes this app received",
    Kind.INFO: "Show state changes (connected, listening, closed)",
    Kind.ERROR: "Show failures",
}


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


class LogFilterBar(QWidget):
    """Emits `filter_changed(LogFilter)` whenever what the person asked for changes."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit(self)
        self.text.setObjectName("logFilter")
        self.text.setClearButtonEnabled(True)
        self.text.setPlaceholderText("Filter: text in peer, message or data (any case)")
        self.text.setToolTip(
            "Shows only rows whose peer, message or data contains this text, ignoring case.\n"
            "With data shown as Hex, hex digits such as 'de ad be ef' find those bytes."
        )

        self.source_buttons: dict[Source, QToolButton] = {}
        self.kind_buttons: dict[Kind, QToolButton] = {}
        for source in Source:
            # "TCP Server" -> logFilterSourceTCPServer: objectNames have no spaces.
            name = source.value.replace(" ", "")
            button = self._toggle(source.value, f"logFilterSource{name}")
            button.setToolTip(f"Show events of the {source.value} tab")
            self.source_buttons[source] = button
        for kind in Kind:
            button = self._toggle(kind.value, f"logFilterKind{_title(kind.value)}")
            button.setToolTip(_KIND_TIPS[kind])
            color = KIND_COLORS.get(kind)
            if color is not None:
                button.setStyleSheet(f"QToolButton {{ color: {color.name()}; }}")
            self.kind_buttons[kind] = button
        self.kind_buttons[Kind.ERROR].setIcon(warning_icon())
        self.kind_buttons[Kind.ERROR].setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )

        self.count_label = QLabel(self)
        self.count_label.setObjectName("logFilterCount")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.text, 1)
        layout.addSpacing(6)
        for button in self.source_buttons.values():
            layout.addWidget(button)
        layout.addWidget(self._separator())
        for button in self.kind_buttons.values():
            layout.addWidget(button)
        layout.addSpacing(8)
        layout.addWidget(self.count_label)

        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(TEXT_SETTLE_MS)
        self._settle.timeout.connect(self._emit)
        self.text.textChanged.connect(self._on_text_changed)

    def _toggle(self, text: str, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setCheckable(True)
        button.setChecked(True)
        button.toggled.connect(self._on_toggled)
        return button

    def _separator(self) -> QFrame:
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def current(self) -> LogFilter:
        return LogFilter(
            text=self.text.text(),
            sources=frozenset(s for s, b in self.source_buttons.items() if b.isChecked()),
            kinds=frozenset(k for k, b in self.kind_buttons.items() if b.isChecked()),
        )

    def set_current(self, spec: LogFilter) -> None:
        """Show `spec` in the widgets without emitting filter_changed."""
        widgets = [self.text, *self.source_buttons.values(), *self.kind_buttons.values()]
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.text.setText(spec.text)
            for source, button in self.source_buttons.items():
                button.setChecked(source in spec.sources)
            for kind, button in self.kind_buttons.items():
                button.setChecked(kind in spec.kinds)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._settle.stop()

    @Slot(str)
    def _on_text_changed(self, _text: str) -> None:
        self._settle.start()

    @Slot(bool)
    def _on_toggled(self, _checked: bool) -> None:
        self._emit()

    @Slot()
    def _emit(self) -> None:
        self._settle.stop()
        self.filter_changed.emit(self.current())
