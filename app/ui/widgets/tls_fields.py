"""The TLS fields of the client and server tabs, and the records they hand the worker.

`ClientTlsFields` (TCP Client): `<prefix>Tls`, `<prefix>TlsVerify`, `<prefix>TlsSni`,
`<prefix>TlsCa`, `<prefix>TlsClientCert`, `<prefix>TlsAlpn`. `ServerTlsFields` (TCP and
HTTP servers): `<prefix>Tls`, `<prefix>TlsCert`. The detail fields are enabled only while
TLS is ticked, and none can change while a connection or a server uses them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.net.tls.options import ClientTlsOptions, ServerTlsOptions, parse_alpn
from app.ui.settings_store import open_settings

_PEM_FILTER = "PEM files (*.pem *.crt *.cer *.key);;All files (*)"


def settings_folder() -> Path:
    """Where the settings live; the generated server certificate is kept beside them."""
    return Path(open_settings().fileName()).parent


class FileField(QWidget):
    """A path typed or picked with a "…" button (`<name>Browse`)."""

    def __init__(self, name: str, placeholder: str, tooltip: str) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(tooltip)
        self.browse = QToolButton()
        self.browse.setObjectName(f"{name}Browse")
        self.browse.setText("…")
        self.browse.setToolTip("Choose the file")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.browse.clicked.connect(self._choose)

    def path(self) -> str:
        return self.edit.text().strip()

    @Slot()
    def _choose(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a PEM file", self.path(), _PEM_FILTER)
        if chosen:
            self.edit.setText(chosen)


class ClientTlsFields(QWidget):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.enabled = QCheckBox("TLS")
        self.enabled.setObjectName(f"{prefix}Tls")
        self.enabled.setToolTip("Speak TLS over the connection (like openssl s_client)")
        self.verify = QCheckBox("Verify the certificate")
        self.verify.setObjectName(f"{prefix}TlsVerify")
        self.verify.setChecked(True)
        self.verify.setToolTip(
            "Check the server's certificate against the system's CAs (and the CA file) and "
            "its name; off, any certificate is accepted and a warning is logged"
        )
        self.sni = QLineEdit()
        self.sni.setObjectName(f"{prefix}TlsSni")
        self.sni.setPlaceholderText("the host, when it is a name")
        self.sni.setToolTip("The server name sent (SNI) and checked in the certificate")
        self.ca = FileField(
            f"{prefix}TlsCa",
            "optional",
            "A CA certificate (PEM) to trust in addition to the system's",
        )
        self.client_cert = FileField(
            f"{prefix}TlsClientCert",
            "optional",
            "One PEM with a client certificate and its key, for servers that ask for one",
        )
        self.alpn = QLineEdit()
        self.alpn.setObjectName(f"{prefix}TlsAlpn")
        self.alpn.setPlaceholderText("optional, e.g. h2, http/1.1")
        self.alpn.setToolTip("Application protocols to offer (ALPN), comma separated")

        top = QHBoxLayout()
        top.addWidget(self.enabled)
        top.addWidget(self.verify)
        top.addStretch(1)
        form = QFormLayout()
        form.addRow("Server name", self.sni)
        form.addRow("CA file", self.ca)
        form.addRow("Client certificate", self.client_cert)
        form.addRow("ALPN", self.alpn)
        # Shown only with TLS ticked: four empty rows would take the log's room for nothing.
        self.details_box = QWidget()
        self.details_box.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.details_box)
        self._details: tuple[QWidget, ...] = (
            self.verify,
            self.sni,
            self.ca,
            self.client_cert,
            self.alpn,
        )
        self.enabled.toggled.connect(self._show_details)
        self._editable = True
        self._show_details()

    def input_widgets(self) -> list[QWidget]:
        return [
            self.enabled,
            self.verify,
            self.sni,
            self.ca.edit,
            self.client_cert.edit,
            self.alpn,
        ]

    def options(self) -> ClientTlsOptions | None:
        if not self.enabled.isChecked():
            return None
        return ClientTlsOptions(
            self.verify.isChecked(),
            self.sni.text().strip(),
            self.ca.path(),
            self.client_cert.path(),
            parse_alpn(self.alpn.text()),
        )

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self.enabled.setEnabled(editable)
        self._show_details()

    @Slot()
    def _show_details(self) -> None:
        on = self._editable and self.enabled.isChecked()
        for widget in self._details:
            widget.setEnabled(on)
        self.details_box.setVisible(self.enabled.isChecked())


class ServerTlsFields(QWidget):
    def __init__(self, prefix: str, what: str) -> None:
        super().__init__()
        self.enabled = QCheckBox(what)
        self.enabled.setObjectName(f"{prefix}Tls")
        self.enabled.setToolTip(
            "Clients must speak TLS; without a certificate file a self-signed one for "
            "localhost, 127.0.0.1 and ::1 is made once and kept with the settings"
        )
        self.cert = FileField(
            f"{prefix}TlsCert",
            "empty: a self-signed certificate for localhost",
            "One PEM with the server certificate (and its chain) and its key",
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.enabled)
        row.addWidget(self.cert, 1)
        self.enabled.toggled.connect(self._show_details)
        self._show_details()

    def input_widgets(self) -> list[QWidget]:
        return [self.enabled, self.cert.edit]

    def options(self) -> ServerTlsOptions | None:
        if not self.enabled.isChecked():
            return None
        return ServerTlsOptions(self.cert.path(), str(settings_folder()))

    def setEnabled(self, enabled: bool) -> None:
        # The ServerSwitch disables its fields while the server runs.
        self.enabled.setEnabled(enabled)
        self.cert.setEnabled(enabled and self.enabled.isChecked())

    @Slot()
    def _show_details(self) -> None:
        self.cert.setEnabled(self.enabled.isEnabled() and self.enabled.isChecked())


def fingerprint_note(fingerprint: str) -> str:
    """What a server's status adds while TLS is on: the start of the fingerprint (the
    whole one is in the log and the status's tooltip)."""
    return f" · TLS, SHA-256 {fingerprint[:23]}…" if fingerprint else ""


def fingerprint_tooltip(fingerprint: str) -> str:
    return f"Server certificate SHA-256: {fingerprint}" if fingerprint else ""
