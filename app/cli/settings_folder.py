"""The GUI's settings folder without Qt: where the generated TLS certificate is kept.

The GUI's QSettings file (IniFormat, user scope, "SocketTester") lives in this folder;
SOCKET_TESTER_SETTINGS names the file instead, as in the GUI. The commands share the
generated certificate with the tabs, so a client that trusts it once trusts both.
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
