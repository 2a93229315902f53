"""The Qt-free settings folder is the one QSettings uses, with and without the override."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.settings_location import SETTINGS_ENV, settings_folder
from app.ui.settings_store import open_settings


def test_the_override_names_the_file(fresh_settings: str) -> None:
    assert (
        settings_folder() == Path(fresh_settings).parent == Path(open_settings().fileName()).parent
    )


def test_without_the_override_it_is_qsettings_user_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Qt may have read its user folder already: point both at the same empty one, so the
    # check is the name and layout below it (the organisation folder, the file in it).
    default = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    monkeypatch.delenv(SETTINGS_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    user, ini = QSettings.Scope.UserScope, QSettings.Format.IniFormat
    QSettings.setPath(ini, user, str(tmp_path))
    try:
        expected = Path(open_settings().fileName()).parent
    finally:
        QSettings.setPath(ini, user, default)
    assert settings_folder() == expected == tmp_path / "SocketTester"
