"""The saved-message library: named payloads in one JSON file in the settings folder.

The file (and the file Export writes and Import reads) is UTF-8 JSON:

    {
      "kind": "socket-tester/messages",
      "version": 1,
      "messages": [
        {"name": "Modbus read", "tab": "TCP Client", "payload": "01 03 00 00 00 0A",
         "format": "Hex", "line_ending": "None"}
      ]
    }

- `name` (required, non-empty): unique; a later message of the same name replaces it.
- `payload` (required): the text as typed in the payload field (escapes or hex digits).
- `format`: "Text" (default) or "Hex"; `line_ending`: "None" (default), "LF" or "CRLF".
- `tab`: the title of the tab it was saved from (shown only; any tab can load it).

`kind` and `version` are optional on import so a hand-written list works; a version
newer than VERSION is refused rather than half read. Every write is atomic (a temporary
file beside it, then a rename), and a file that cannot be read is set aside as
`messages.json.damaged-<time>`, never overwritten.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple, TypeVar

from app.messages.history import TypedPayload
from app.payload import LineEnding, PayloadFormat

LIBRARY_FILE = "messages.json"
KIND = "socket-tester/messages"
VERSION = 1
MAX_NAME = 200

ChoiceT = TypeVar("ChoiceT", PayloadFormat, LineEnding)


class SavedMessage(NamedTuple):
    name: str
    tab: str
    payload: TypedPayload

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "tab": self.tab, **self.payload.to_dict()}


class LibraryFileError(ValueError):
    """A message file that cannot be read, parsed or written; the text says which and why."""


class ImportResult(NamedTuple):
    added: int
    replaced: int


# -- the file format ----------------------------------------------------------------------


def dump_messages(messages: Iterable[SavedMessage]) -> str:
    document = {"kind": KIND, "version": VERSION, "messages": [m.to_dict() for m in messages]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def parse_messages(text: str) -> list[SavedMessage]:
    """The messages of a file's text; raises LibraryFileError saying what is wrong."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryFileError(
            f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        raise LibraryFileError('not a message file: no "messages" list at the top level')
    if document.get("kind", KIND) != KIND:
        raise LibraryFileError(f'not a message file: "kind" is {document["kind"]!r}, not {KIND!r}')
    version = document.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise LibraryFileError(
            f"written by a newer Socket Tester (version {version!r}); this one reads "
            f"version {VERSION}"
        )
    return [_parse_message(i, item) for i, item in enumerate(document["messages"], start=1)]


def _parse_message(number: int, item: object) -> SavedMessage:
    if not isinstance(item, dict):
        raise LibraryFileError(f"message {number} is not an object")
    name = item.get("name")
    where = f"message {number} ({name!r})" if isinstance(name, str) else f"message {number}"
    if not isinstance(name, str) or not name.strip():
        raise LibraryFileError(f'{where}: "name" must be a non-empty string')
    if len(name) > MAX_NAME:
        raise LibraryFileError(f'{where}: "name" is longer than {MAX_NAME} characters')
    payload = item.get("payload")
    if not isinstance(payload, str):
        raise LibraryFileError(f'{where}: "payload" must be a string')
    tab = item.get("tab", "")
    if not isinstance(tab, str):
        raise LibraryFileError(f'{where}: "tab" must be a string')
    fmt = _choice(where, item, "format", PayloadFormat, PayloadFormat.TEXT)
    ending = _choice(where, item, "line_ending", LineEnding, LineEnding.NONE)
    return SavedMessage(name.strip(), tab, TypedPayload(payload, fmt, ending))


def _choice(
    where: str, item: dict[str, object], key: str, enum: type[ChoiceT], default: ChoiceT
) -> ChoiceT:
    value = item.get(key, default.value)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise LibraryFileError(f"{where}: {key!r} is {value!r}, not one of {allowed}") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename: a crash leaves the old file or the new."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_messages(path: Path) -> list[SavedMessage]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LibraryFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryFileError(f"not UTF-8 text (byte {exc.start})") from None
    return parse_messages(text)


# -- the library --------------------------------------------------------------------------


class MessageLibrary:
    """The saved messages in memory, written to `path` after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._messages: dict[str, SavedMessage] = {}
        # False while a file that could be neither read nor set aside is in the way:
        # writing would destroy what it holds.
        self._writable = True

    def messages(self) -> list[SavedMessage]:
        """In the order they were first saved."""
        return list(self._messages.values())

    def get(self, name: str) -> SavedMessage | None:
        return self._messages.get(name)

    def load(self) -> str | None:
        """Read the file; None when it was read (or is not there yet), else what went
        wrong and where the damaged file now is. The library is then empty."""
        self._messages = {}
        self._writable = True
        if not self.path.exists():
            return None
        try:
            messages = read_messages(self.path)
        except LibraryFileError as exc:
            return self._set_aside(str(exc))
        self._messages = {m.name: m for m in messages}
        return None

    def _set_aside(self, reason: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        serial = 1
        while aside.exists():
            serial += 1
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{serial}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self._writable = False
            return (
                f"Saved messages in {self.path} could not be read ({reason}) nor set aside "
                f"({exc.strerror or exc}); it is left as it is and nothing is saved to it "
                "until it is fixed or moved"
            )
        return (
            f"Saved messages in {self.path} could not be read ({reason}); the file was set "
            f"aside as {aside.name} and the library starts empty"
        )

    def save(self, message: SavedMessage) -> bool:
        """Keep `message`, replacing one of the same name; True when it replaced one."""
        replaced = message.name in self._messages
        self._messages[message.name] = message
        self._write()
        return replaced

    def delete(self, name: str) -> bool:
        if self._messages.pop(name, None) is None:
            return False
        self._write()
        return True

    def import_file(self, path: Path) -> ImportResult:
        """Add every message of `path`, replacing those of the same names; nothing is
        added when any message of the file is invalid."""
        try:
            incoming = read_messages(path)
        except LibraryFileError as exc:
            raise LibraryFileError(f"{path.name}: {exc}") from None
        replaced = sum(1 for name in {m.name for m in incoming} if name in self._messages)
        for message in incoming:
            self._messages[message.name] = message
        self._write()
        return ImportResult(len({m.name for m in incoming}) - replaced, replaced)

    def export_file(self, path: Path) -> None:
        try:
            write_atomically(path, dump_messages(self._messages.values()))
        except OSError as exc:
            raise LibraryFileError(f"cannot write {path.name}: {exc.strerror or exc}") from None

    def _write(self) -> None:
        if not self._writable:
            raise LibraryFileError(
                f"not saved to disk: {self.path.name} could not be read and is left as it is"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, dump_messages(self._messages.values()))
        except OSError as exc:
            raise LibraryFileError(
                f"not saved to disk: cannot write {self.path}: {exc.strerror or exc}"
            ) from None
