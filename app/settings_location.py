"""Where the settings live, without Qt: the one name of the override, and the folder.

The GUI's QSettings file (IniFormat, user scope, "SocketTester", see
app/ui/settings_store.py) lives in `settings_folder()`; SOCKET_TESTER_SETTINGS names the
file instead. The command line keeps the generated TLS certificate there too, so a
client that trusts it once trusts the tabs and the commands alike.
tests/test_settings_location.py checks this folder against QSettings' own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SETTINGS_ENV = "SOCKET_TESTER_SETTINGS"


def settings_folder() -> Path:
    named = os.environ.get(SETTINGS_ENV)
    if named:
        return Path(named).parent
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "SocketTester"
