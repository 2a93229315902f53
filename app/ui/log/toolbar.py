"""The row of controls above the log: data format, time mode, row limit, totals, Clear."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from app.payload import PayloadFormat
from app.ui.log.model import LogModel
from app.ui.log.status_strip import let_shrink
from app.ui.log.time_format import TIME_MODE_TIPS, TimeMode

MAX_ROWS_RANGE = (100, 10_000_000)


class LogToolbar(QHBoxLayout):
    """The controls, parented to `owner` (the pane) so the automation finds them by name.

    Other parts of the app add their widgets to it (the export controls do).
    """

    def __init__(self, owner: QWidget, model: LogModel) -> None:
        super().__init__()
        self.format_combo = QComboBox(owner)
        self.format_combo.setObjectName("logDisplayFormat")
        self.format_combo.setToolTip("How the Data column shows payloads")
        for fmt in PayloadFormat:
            self.format_combo.addItem(fmt.value, fmt)
        self.format_combo.setCurrentIndex(self.format_combo.findData(model.display_format))

        self.time_combo = QComboBox(owner)
        self.time_combo.setObjectName("logTimeMode")
        self.time_combo.setToolTip("What the Time column shows")
        for mode in TimeMode:
            self.time_combo.addItem(mode.value, mode)
            self.time_combo.setItemData(
                self.time_combo.count() - 1, TIME_MODE_TIPS[mode], Qt.ItemDataRole.ToolTipRole
            )
        self.time_combo.setCurrentIndex(self.time_combo.findData(model.time_mode))

        self.max_rows_spin = QSpinBox(owner)
        self.max_rows_spin.setObjectName("logMaxRows")
        self.max_rows_spin.setRange(*MAX_ROWS_RANGE)
        self.max_rows_spin.setSingleStep(10_000)
        self.max_rows_spin.setGroupSeparatorShown(True)
        self.max_rows_spin.setSuffix(" rows")
        # Only a finished value counts: typing 100000 must not trim the log to 1 row first.
        self.max_rows_spin.setKeyboardTracking(False)
        self.max_rows_spin.setToolTip(
            "How many of the newest rows stay in memory; counters always count everything"
        )
        self.max_rows_spin.setValue(max(model.max_rows, MAX_ROWS_RANGE[0]))

        self.totals_label = QLabel(owner)
        self.totals_label.setObjectName("logTotals")
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        let_shrink(self.totals_label)
        self.totals_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.clear_button = QPushButton("Clear", owner)
        self.clear_button.setObjectName("logClear")
        self.clear_button.setToolTip("Remove all rows and reset the counters")

        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(8)
        for text, widget in (
            ("Show data as", self.format_combo),
            ("Time", self.time_combo),
            ("Keep", self.max_rows_spin),
        ):
            label = QLabel(text, owner)
            label.setBuddy(widget)
            self.addWidget(label)
            self.addWidget(widget)
        self.addWidget(self.totals_label, 1)
        self.addSpacing(8)
        self.addWidget(self.clear_button)

    def show_max_rows(self, max_rows: int) -> None:
        """Follow a limit set elsewhere without echoing it back as a change."""
        if self.max_rows_spin.value() != max_rows:
            self.max_rows_spin.blockSignals(True)
            self.max_rows_spin.setValue(max_rows)
            self.max_rows_spin.blockSignals(False)
