"""Answers a request from a folder: files, index.html, listings; never anything outside it."""

from __future__ import annotations

import html
import mimetypes
import os
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import quote, unquote_to_bytes, urlsplit

from app.net.http.responses import error_page

# Files up to this size are read whole and leave with their headers in one write;
# larger ones stream with sendfile after the headers.
INLINE_FILE_LIMIT = 1024 * 1024
ALLOWED_METHODS = ("GET", "HEAD")
# The system's MIME table differs between machines (Windows maps .js from the registry,
# sometimes to text/plain, which browsers refuse for modules): the web's own types win.
_WEB_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
}


@dataclass(slots=True)
class FolderAnswer:
    status: int
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # A large file to stream after the headers; the handler closes it.
    file: BinaryIO | None = None
    file_size: int = 0
    note: str = ""  # why a request was refused, for the log line


def content_type_for(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext in _WEB_TYPES:
        return _WEB_TYPES[ext]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def answer_folder(root: str, method: str, target: str) -> FolderAnswer:
    if method not in ALLOWED_METHODS:
        answer = _refuse(405, f"{method} is not allowed on a served folder")
        answer.headers.append(("Allow", ", ".join(ALLOWED_METHODS)))
        return answer
    if target.startswith(("http://", "https://")):  # absolute-form, e.g. from a proxy
        parts = urlsplit(target)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/"):
        return _refuse(400, "The request target must start with /")
    raw_path, _, query = target.partition("?")
    lowered = raw_path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return _refuse(404, "Encoded slashes are not served")
    path = os.fsdecode(unquote_to_bytes(raw_path.encode("latin-1")))
    if "\\" in path or "\0" in path:
        return _refuse(404, "Backslashes are not served")
    segments = [s for s in path.split("/") if s not in ("", ".")]
    for segment in segments:
        if segment == ".." or os.path.isabs(segment) or os.path.splitdrive(segment)[0]:
            return _refuse(403, "Outside the served folder")
    root_real = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root_real, *segments))
    try:
        inside = os.path.commonpath([root_real, real]) == root_real
    except ValueError:  # different drives on Windows
        inside = False
    if not inside:
        return _refuse(403, "Outside the served folder (a link points out of it)")
    try:
        if os.path.isdir(real):
            if not path.endswith("/"):
                # Built from the checked segments, each fully %-quoted: never `//` or `/\`.
                location = "/" + "/".join(quote(os.fsencode(s), safe="") for s in segments)
                location += "/" + (f"?{query}" if query else "")
                answer = FolderAnswer(301, error_page(301, f"Moved to {location}"))
                answer.headers.append(("Location", location))
                return answer
            index = os.path.join(real, "index.html")
            if os.path.isfile(index):
                return _file(index)
            return FolderAnswer(200, _listing(real, "/" + "/".join(segments), bool(segments)))
        if os.path.isfile(real):
            return _file(real)
    except PermissionError:
        return _refuse(403, "Permission denied")
    except OSError as exc:
        return _refuse(404, exc.strerror or "Cannot read")
    return _refuse(404, "No such file")


def _refuse(status: int, note: str) -> FolderAnswer:
    return FolderAnswer(status, error_page(status, note), note=note)


def _file(path: str) -> FolderAnswer:
    handle = open(path, "rb")  # noqa: SIM115 - a large file is streamed, then closed, by the handler
    try:
        size = os.fstat(handle.fileno()).st_size
        content_type = content_type_for(path)
        if size > INLINE_FILE_LIMIT:
            return FolderAnswer(200, b"", content_type, file=handle, file_size=size)
        body = handle.read()
    except BaseException:
        handle.close()
        raise
    handle.close()
    return FolderAnswer(200, body, content_type)


def _listing(directory: str, shown_path: str, has_parent: bool) -> bytes:
    entries: list[tuple[bool, str]] = []
    with os.scandir(directory) as scan:
        for entry in scan:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            entries.append((is_dir, entry.name))
    entries.sort(key=lambda e: (not e[0], e[1].lower()))
    title = html.escape(_readable(shown_path.rstrip("/") + "/"))
    rows = ['<li><a href="../">../</a></li>'] if has_parent else []
    for is_dir, name in entries:
        suffix = "/" if is_dir else ""
        href = quote(os.fsencode(name), safe="") + suffix
        rows.append(f'<li><a href="{href}">{html.escape(_readable(name))}{suffix}</a></li>')
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>Index of {title}</title></head>\n<body><h1>Index of {title}</h1>\n<ul>\n"
        + "\n".join(rows)
        + "\n</ul></body></html>\n"
    ).encode("utf-8")


def _readable(name: str) -> str:
    """A file name for display; undecodable bytes become U+FFFD instead of failing."""
    return os.fsencode(name).decode("utf-8", "replace")
