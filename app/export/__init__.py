"""Exporting and recording log events to files (text, CSV, JSON Lines, pcapng); no Qt.

The names below load on first use (PEP 562): a command line that only needs the text
lines, and the window at start-up, do not pay for the recorder, the pcapng writer and the
rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.export.event_recorder import EventRecorder
    from app.export.file_export import (
        ExportCancelled,
        ExportError,
        ExportFormat,
        describe_write_error,
        export_events,
        format_for_path,
    )
    from app.export.jsonl_format import read_jsonl

_HOMES = {
    "EventRecorder": "app.export.event_recorder",
    "ExportCancelled": "app.export.file_export",
    "ExportError": "app.export.file_export",
    "ExportFormat": "app.export.file_export",
    "describe_write_error": "app.export.file_export",
    "export_events": "app.export.file_export",
    "format_for_path": "app.export.file_export",
    "read_jsonl": "app.export.jsonl_format",
}

__all__ = [
    "EventRecorder",
    "ExportCancelled",
    "ExportError",
    "ExportFormat",
    "describe_write_error",
    "export_events",
    "format_for_path",
    "read_jsonl",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'app.export' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
