"""The HTTP Client tab's request fields that check themselves as they are typed: the
method (`hcMethod`), the URL (`hcUrl`) and the header lines (`hcHeaders`), each saying at
the field what is wrong.

The checks are plain functions (`check_url`, `parse_request_headers`, `check_method`) so
they are tested without widgets; the fields only show their verdict.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QColor, QTextCursor, QTextFormat
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from app.net.address import AddressError, check_host
from app.ui.widgets.field_feedback import error_label, mark_invalid

DEFAULT_URL = "http://127.0.0.1:8000/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
WEBSOCKET_SCHEMES = ("ws", "wss")
# RFC 9110 token characters: what a method or a header name may be made of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_LINE_BACKGROUND = "#ffd7d7"


class InputError(ValueError):
    """What is wrong with a field, as one sentence; `line` is 1-based, 0 for no line."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class TargetUrl(NamedTuple):
    url: str  # as typed, trimmed
    scheme: str  # lower case: http, https, ws or wss
    host: str  # without the brackets of an IPv6 literal
    port: int  # the scheme's default when the URL names none

    @property
    def is_websocket(self) -> bool:
        return self.scheme in WEBSOCKET_SCHEMES

    @property
    def uses_tls(self) -> bool:
        return self.scheme in ("https", "wss")


def check_url(text: str) -> TargetUrl:
    """A URL the client can open, or InputError saying why not. Spaces and non-ASCII in
    the path are fine: the client percent-encodes them."""
    url = text.strip()
    if not url:
        raise InputError(f"Enter a URL, e.g. {DEFAULT_URL}")
    if _CONTROL.search(url):
        raise InputError("A URL cannot contain control characters")
    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise InputError("Start the URL with http://, https://, ws:// or wss://")
    if scheme.lower() not in DEFAULT_PORTS:
        raise InputError(f"{scheme}:// is not supported: use http, https, ws or wss")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        # urlsplit says "Port out of range 0-65535" or "Port could not be cast…".
        if "port" in str(exc).lower():
            raise InputError("The port must be a number from 1 to 65535") from None
        raise InputError(f"Not a valid URL: {exc}") from None
    if not host:
        raise InputError(f"The URL names no host, e.g. {DEFAULT_URL}")
    try:
        check_host(host)
    except AddressError as exc:
        raise InputError(str(exc)) from None
    if parts.username is not None:
        raise InputError("Credentials in the URL are not sent: use an Authorization header")
    if port == 0:
        raise InputError("The port must be a number from 1 to 65535")
    scheme = scheme.lower()
    return TargetUrl(url, scheme, host, DEFAULT_PORTS[scheme] if port is None else port)


def check_method(text: str) -> str:
    method = text.strip()
    if not method:
        raise InputError("Enter a method, e.g. GET")
    if not _TOKEN.match(method):
        raise InputError(f"{method!r} is not a valid method: letters, digits and !#$%&'*+-.^_`|~")
    return method


def parse_request_headers(text: str) -> tuple[tuple[str, str], ...]:
    """`Name: value` lines (blank ones skipped), in order and case as typed.

    Raises InputError naming the first bad line. Any header may be given, Host and
    Content-Length too: the client adds its own only when the person gave none.
    """
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise InputError(f"Line {number}: write a header as Name: value", number)
        name = name.strip()
        if not _TOKEN.match(name):
            raise InputError(f"Line {number}: {name!r} is not a valid header name", number)
        value = value.strip()
        if _CONTROL.search(value.replace("\t", " ")):
            raise InputError(f"Line {number}: control characters are not allowed", number)
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InputError(
                f"Line {number}: header values must be Latin-1 (use %-encoding)", number
            ) from None
        pairs.append((name, value))
    return tuple(pairs)


class MethodField(QComboBox):
    """`hcMethod`: the usual methods, or any other typed; its message is `hcMethodError`."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hcMethod")
        self.setEditable(True)
        self.addItems(METHODS)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setToolTip("The request method; type any other (e.g. PROPFIND)")
        self.error_label = error_label("hcMethodError")
        self._method: str | None = METHODS[0]
        self.currentTextChanged.connect(self._revalidate)

    def method(self) -> str | None:
        """The checked method; None while what is typed cannot be sent."""
        return self._method

    @Slot()
    def _revalidate(self) -> None:
        was_valid = self._method is not None
        try:
            self._method = check_method(self.currentText())
            error = ""
        except InputError as exc:
            self._method, error = None, exc.message
        self.error_label.setText(error)
        self.error_label.setVisible(bool(error))
        mark_invalid(self, bool(error))
        if was_valid != (self._method is not None):
            self.validity_changed.emit(self._method is not None)


class UrlField(QLineEdit):
    """`hcUrl`, checked on every edit; its message is `hcUrlError` (placed by the tab)."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(DEFAULT_URL, parent)
        self.setObjectName("hcUrl")
        self.setPlaceholderText("http://host:port/path, https://…, ws://… or wss://…")
        self.setToolTip(
            "Where to send: http:// or https:// for a request, ws:// or wss:// for a "
            "WebSocket. Enter or Ctrl+Enter sends."
        )
        self.error_label = error_label("hcUrlError")
        self._target: TargetUrl | None = None
        self.textChanged.connect(self._revalidate)
        self._revalidate()

    def target(self) -> TargetUrl | None:
        """The checked URL; None while what is typed cannot be used."""
        return self._target

    @Slot()
    def _revalidate(self) -> None:
        was_valid = self._target is not None
        try:
            self._target = check_url(self.text())
            error = ""
        except InputError as exc:
            self._target = None
            error = exc.message
        self.error_label.setText(error)
        self.error_label.setVisible(bool(error))
        mark_invalid(self, bool(error))
        if was_valid != (self._target is not None):
            self.validity_changed.emit(self._target is not None)


class HeadersField(QPlainTextEdit):
    """`hcHeaders`: one `Name: value` a line; a bad line is tinted and named in
    `hcHeadersError`."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hcHeaders")
        self.setPlaceholderText("One header a line, e.g.\nAccept: application/json")
        self.setToolTip(
            "Sent as typed, in this order. Host, Content-Length, User-Agent and "
            "Accept-Encoding are added unless you give them."
        )
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.error_label = error_label("hcHeadersError")
        self._headers: tuple[tuple[str, str], ...] | None = ()
        self.textChanged.connect(self._revalidate)

    def headers(self) -> tuple[tuple[str, str], ...] | None:
        """The parsed headers; None while a line is wrong."""
        return self._headers

    @Slot()
    def _revalidate(self) -> None:
        was_valid = self._headers is not None
        try:
            self._headers = parse_request_headers(self.toPlainText())
            error: InputError | None = None
        except InputError as exc:
            self._headers = None
            error = exc
        self.error_label.setText(error.message if error else "")
        self.error_label.setVisible(error is not None)
        mark_invalid(self, error is not None)
        self._tint_line(error.line if error else 0)
        if was_valid != (self._headers is not None):
            self.validity_changed.emit(self._headers is not None)

    def _tint_line(self, line: int) -> None:
        if not line:
            self.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor(_BAD_LINE_BACKGROUND))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        cursor = QTextCursor(self.document().findBlockByNumber(line - 1))
        selection.cursor = cursor
        self.setExtraSelections([selection])
