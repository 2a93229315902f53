"""The TLS fields of the tabs: what they hand the worker, and when they can be edited."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.net.tls.options import ClientTlsOptions, ServerTlsOptions
from app.ui.widgets.tls_fields import (
    ClientTlsFields,
    ServerTlsFields,
    fingerprint_note,
    settings_folder,
)


def test_client_fields_make_the_options(qtbot: QtBot) -> None:
    fields = ClientTlsFields("tcp")
    qtbot.addWidget(fields)
    assert fields.options() is None and not fields.sni.isEnabled()
    fields.enabled.setChecked(True)
    assert fields.sni.isEnabled() and fields.verify.isChecked()
    fields.sni.setText(" api.example ")
    fields.ca.edit.setText("/tmp/ca.pem")
    fields.alpn.setText("h2, http/1.1")
    fields.verify.setChecked(False)
    assert fields.options() == ClientTlsOptions(
        False, "api.example", "/tmp/ca.pem", "", ("h2", "http/1.1")
    )
    fields.set_editable(False)
    assert not fields.enabled.isEnabled() and not fields.alpn.isEnabled()
    assert [w.objectName() for w in fields.input_widgets()] == [
        "tcpTls", "tcpTlsVerify", "tcpTlsSni", "tcpTlsCa", "tcpTlsClientCert", "tcpTlsAlpn",
    ]  # fmt: skip


def test_server_fields_keep_the_generated_certificate_with_the_settings(
    qtbot: QtBot, fresh_settings: str
) -> None:
    fields = ServerTlsFields("https", "HTTPS")
    qtbot.addWidget(fields)
    assert fields.options() is None and not fields.cert.isEnabled()
    fields.enabled.setChecked(True)
    assert fields.cert.isEnabled()
    assert fields.options() == ServerTlsOptions("", str(Path(fresh_settings).parent))
    assert settings_folder() == Path(fresh_settings).parent
    fields.setEnabled(False)  # what the ServerSwitch does while the server runs
    assert not fields.enabled.isEnabled() and not fields.cert.isEnabled()


def test_fingerprint_note_is_short() -> None:
    fingerprint = ":".join(["AB"] * 32)
    assert fingerprint_note(fingerprint) == " · TLS, SHA-256 AB:AB:AB:AB:AB:AB:AB:AB…"
    assert fingerprint_note("") == ""
