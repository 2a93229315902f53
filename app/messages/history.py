"""The payloads a tab sent, newest last, walked with Up / Down like a shell's history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from app.payload import LineEnding, PayloadFormat

HISTORY_LIMIT = 100
# A longer payload (a large paste set as text) is not kept: the history lives in the
# settings file, which is read at every start.
MAX_ENTRY_CHARS = 64 * 1024


class TypedPayload(NamedTuple):
    """A payload as a person typed it: the text and how it is read."""

    text: str
    format: PayloadFormat = PayloadFormat.TEXT
    line_ending: LineEnding = LineEnding.NONE

    def to_dict(self) -> dict[str, str]:
        return {
            "payload": self.text,
            "format": self.format.value,
            "line_ending": self.line_ending.value,
        }


class PayloadHistory:
    """The last `limit` payloads sent, and where Up / Down have got to.

    Browsing starts at the newest entry; what was being typed is kept as the draft and
    comes back when Down goes past the newest, as in a shell.
    """

    def __init__(self, entries: Iterable[TypedPayload] = (), limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._entries: list[TypedPayload] = []
        self._position: int | None = None  # index into _entries while browsing
        self._draft: TypedPayload | None = None
        for entry in entries:
            self.record(entry)

    def entries(self) -> list[TypedPayload]:
        """Oldest first."""
        return list(self._entries)

    @property
    def browsing(self) -> bool:
        return self._position is not None

    def record(self, entry: TypedPayload) -> bool:
        """Add a payload just sent; True when the history changed.

        A repeat of the newest entry is not added again; browsing ends either way.
        """
        self.stop_browsing()
        if len(entry.text) > MAX_ENTRY_CHARS or (self._entries and self._entries[-1] == entry):
            return False
        self._entries.append(entry)
        del self._entries[: -self.limit]
        return True

    def older(self, current: TypedPayload) -> TypedPayload | None:
        """The entry before the one shown (None at the oldest); `current` is kept as the
        draft when browsing starts."""
        if not self._entries:
            return None
        if self._position is None:
            self._draft = current
            self._position = len(self._entries) - 1
        elif self._position > 0:
            self._position -= 1
        else:
            return None
        return self._entries[self._position]

    def newer(self) -> TypedPayload | None:
        """The entry after the one shown, the draft past the newest, None when not browsing."""
        if self._position is None:
            return None
        if self._position < len(self._entries) - 1:
            self._position += 1
            return self._entries[self._position]
        draft = self._draft
        self.stop_browsing()
        return draft

    def stop_browsing(self) -> None:
        self._position = None
        self._draft = None

    # -- persistence -------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps([entry.to_dict() for entry in self._entries], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, limit: int = HISTORY_LIMIT) -> PayloadHistory:
        """The history `to_json` wrote; entries that cannot be read are skipped (an older or
        hand-edited settings file costs those entries, never the start-up)."""
        try:
            items = json.loads(text)
        except ValueError:
            items = []
        entries = []
        for item in items if isinstance(items, list) else []:
            entry = typed_payload_from(item)
            if entry is not None:
                entries.append(entry)
        return cls(entries, limit)


def typed_payload_from(item: object) -> TypedPayload | None:
    """The TypedPayload of a `to_dict()` mapping, or None when it is not one."""
    if not isinstance(item, dict):
        return None
    text = item.get("payload")
    try:
        fmt = PayloadFormat(item.get("format", PayloadFormat.TEXT.value))
        ending = LineEnding(item.get("line_ending", LineEnding.NONE.value))
    except ValueError:
        return None
    return TypedPayload(text, fmt, ending) if isinstance(text, str) else None
