"""Every tab of the main window, in order: the one list MainWindow, the settings and the
self-test iterate. Adding a tab is one line here. The first three are the classic
tutorial's three programs and stay first.

Entries name their class by module path, so reading the list imports no tab; a tab's
module is imported when the window builds it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.ui.tabs.tool_tab import ToolTab


@dataclass(frozen=True, slots=True)
class TabEntry:
    title: str
    object_name: str
    prefix: str  # every objectName inside the tab starts with it
    module: str
    class_name: str

    def tab_class(self) -> type[ToolTab]:
        cls: type[ToolTab] = getattr(importlib.import_module(self.module), self.class_name)
        return cls

    def build(self, parent: QWidget | None = None) -> ToolTab:
        tab = self.tab_class()(parent)
        tab.setObjectName(self.object_name)
        return tab


TABS: tuple[TabEntry, ...] = (
    TabEntry("TCP Client", "tcpTab", "tcp", "app.ui.tabs.tcp_client", "TcpClientTab"),
    TabEntry("UDP Sender", "udpTab", "udp", "app.ui.tabs.udp_sender", "UdpSenderTab"),
    TabEntry("HTTP Server", "httpTab", "http", "app.ui.tabs.http_server", "HttpServerTab"),
    TabEntry("HTTP Client", "httpClientTab", "hc", "app.ui.tabs.http_client", "HttpClientTab"),
    TabEntry("TCP Server", "tcpServerTab", "tcps", "app.ui.tabs.tcp_server", "TcpServerTab"),
    TabEntry(
        "UDP Listener", "udpListenerTab", "udpl", "app.ui.tabs.udp_listener", "UdpListenerTab"
    ),
    TabEntry("Relay", "relayTab", "relay", "app.ui.tabs.relay", "RelayTab"),
)


def entry_for_name(object_name: str) -> TabEntry | None:
    """The tab whose widgets are named `<prefix>…`, e.g. "tcpHost" -> the TCP Client."""
    matches = [e for e in TABS if object_name.startswith(e.prefix)]
    return max(matches, key=lambda e: len(e.prefix), default=None)
