"""Exporting and recording log events to files (text, CSV, JSON Lines, pcapng); no Qt."""

from __future__ import annotations

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
