"""How the self-test operates the window: widgets by objectName, waits on the event loop.

Like a person, and like assistive tools, it only knows the public objectNames. Waits spin a
QEventLoop with a polling timer, so the GUI and the workers' queued signals keep running
while the self-test waits; nothing here sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from app.ui.tabs.registry import entry_for_name

_POLL_MS = 15


class StepFailed(Exception):
    """A self-test step did not see what it expected; the message says what and why."""


class Deadline:
    """The whole self-test's time budget, shared by every wait."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        return self.remaining() <= 0.0


def wait_until(
    condition: Callable[[], bool],
    timeout_s: float,
    what: str,
    *,
    deadline: Deadline | None = None,
    state: Callable[[], str] | None = None,
) -> None:
    """Run the event loop until `condition()` holds; StepFailed after `timeout_s`.

    `what` names the awaited thing and `state()` describes what was seen instead, so a
    failure line tells the reader where to look.
    """
    if deadline is not None:
        timeout_s = min(timeout_s, deadline.remaining())
    end = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(_POLL_MS)
    met = condition()

    def check() -> None:
        nonlocal met
        met = condition()
        if met or time.monotonic() >= end:
            loop.quit()

    if not met:
        timer.timeout.connect(check)
        timer.start()
        loop.exec()
        timer.stop()
    if not met:
        seen = f"; {state()}" if state is not None else ""
        raise StepFailed(f"no {what} within {timeout_s:.1f} s{seen}")


def process_events(duration_s: float) -> None:
    """Let the event loop run for a moment (e.g. for a repaint) without blocking it."""
    loop = QEventLoop()
    QTimer.singleShot(int(duration_s * 1000), loop.quit)
    loop.exec()


def find(window: QWidget, cls: type[QWidget], name: str) -> QWidget:
    """The child named `name`, or StepFailed naming the missing widget and its tab."""
    widget = window.findChild(cls, name)
    if widget is None:
        entry = entry_for_name(name)
        hint = f" (is the {entry.title} tab in this build?)" if entry else ""
        raise StepFailed(f"no {cls.__name__} named {name!r} in the window{hint}")
    assert isinstance(widget, cls)
    return widget


def set_text(window: QWidget, name: str, text: str) -> None:
    """Type `text` into a line edit, an editable combo box or a text area."""
    widget = find(window, QWidget, name)
    if isinstance(widget, QLineEdit):
        widget.setText(text)
    elif isinstance(widget, QComboBox) and widget.isEditable():
        widget.setEditText(text)
    elif isinstance(widget, QPlainTextEdit | QTextEdit):
        widget.setPlainText(text)
    else:
        raise StepFailed(f"{name} is a {type(widget).__name__}; cannot type into it")


def set_number(window: QWidget, name: str, value: int) -> None:
    spin = find(window, QSpinBox, name)
    assert isinstance(spin, QSpinBox)
    if not spin.minimum() <= value <= spin.maximum():
        raise StepFailed(f"{name} accepts {spin.minimum()}..{spin.maximum()}, not {value}")
    spin.setValue(value)
    if spin.value() != value:
        raise StepFailed(f"{name} shows {spin.value()} after entering {value}")


def choose(window: QWidget, name: str, prefix: str) -> None:
    """Pick the first item of combo box `name` whose text starts with `prefix`."""
    combo = find(window, QComboBox, name)
    assert isinstance(combo, QComboBox)
    texts = [combo.itemText(i) for i in range(combo.count())]
    for index, text in enumerate(texts):
        if text.lower().startswith(prefix.lower()):
            combo.setCurrentIndex(index)
            return
    raise StepFailed(f"{name} has no item starting with {prefix!r} (items: {texts})")


def choose_if_present(window: QWidget, name: str, prefix: str) -> None:
    if window.findChild(QComboBox, name) is not None:
        choose(window, name, prefix)


def set_number_if_present(window: QWidget, name: str, value: int) -> None:
    if window.findChild(QSpinBox, name) is not None:
        set_number(window, name, value)


def text_of(window: QWidget, name: str) -> str:
    """What a label (or any widget with text) shows, without markup."""
    widget = find(window, QWidget, name)
    plain = getattr(widget, "plain_text", None)
    if callable(plain):
        return str(plain())
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        return widget.text()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    return widget.accessibleName()


def click(
    window: QWidget, name: str, timeout_s: float = 5.0, *, deadline: Deadline | None = None
) -> None:
    """Click the button `name` once it is enabled, as a person would wait for it."""
    button = find(window, QAbstractButton, name)
    assert isinstance(button, QAbstractButton)
    wait_until(
        button.isEnabled,
        timeout_s,
        f"enabled {name} button",
        deadline=deadline,
        state=lambda: f"{name} ({button.text()!r}) stays disabled",
    )
    button.click()
