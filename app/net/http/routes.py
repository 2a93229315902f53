"""HTTP routes: table rows a person typed, compiled into matchers (sans-IO, no sockets).

A row is seven text cells in the order of `RouteField`. `compile_routes` turns the rows
into a `RouteTable` and a list of `CellError`s; a row with an error is off (the others
still answer). `RouteTable.match(method, target)` tries the routes top to bottom and
returns the first match's `RouteAnswer`, or None so the caller falls through to its
fixed response.

Path cells:
- a glob: `*` stands for any run of characters, `/` included, and every other character
  for itself, so `/api/*` matches `/api/items/42`; each `*` is a group for `$1`…;
- `re:` and a regular expression that must match the whole path, `$1`… being its groups.
The path is the request target as sent (percent escapes are not decoded) without the
query string. Matching runs with the time limit of `user_regex` (DESIGN rule 8).

Method: "ANY" matches every method; a GET route also answers HEAD (the same head, no
body), as every web server does.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import NamedTuple

import regex

from app.net.http.config import (
    DEFAULT_ROUTE,
    ROUTE_METHODS,
    HttpConfigError,
    RouteAnswer,
    RouteFault,
    check_content_type,
)

__all__ = [
    "DEFAULT_ROUTE",
    "ROUTE_METHODS",
    "CellError",
    "CompiledRoutes",
    "RouteAnswer",
    "RouteFault",
    "RouteField",
    "RouteMatchTimeout",
    "RouteTable",
    "compile_routes",
    "glob_pattern",
]

from app.net.user_regex import (
    MatchTimeout,
    PatternError,
    UserRegex,
    compile_user_regex,
    expand_groups,
)

REGEX_PREFIX = "re:"
# Ten minutes: longer than any client's timeout a person would want to provoke.
MAX_DELAY_MS = 600_000


class RouteField(enum.IntEnum):
    """The cells of a route row, in table order."""

    METHOD = 0
    PATH = 1
    STATUS = 2
    CONTENT_TYPE = 3
    BODY = 4
    DELAY = 5
    FAULT = 6


class CellError(NamedTuple):
    row: int
    field: RouteField
    message: str


# Called with the bad cell's field and the reason.
_Report = Callable[[RouteField, str], None]


class RouteMatchTimeout(Exception):
    """A route's path pattern ran past the time limit; `number` names the route."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"route {number}'s path pattern was {reason}")
        self.number = number


class _Route(NamedTuple):
    number: int
    method: str
    path: UserRegex
    status: int
    content_type: str
    body: bytes
    delay: float
    fault: RouteFault


class RouteTable:
    """Compiled routes, immutable: the server swaps the whole table on an edit."""

    __slots__ = ("_routes",)

    def __init__(self, routes: Sequence[_Route] = ()) -> None:
        self._routes = tuple(routes)

    def __len__(self) -> int:
        return len(self._routes)

    def match(self, method: str, target: str) -> RouteAnswer | None:
        """The first route that answers `method target`; raises RouteMatchTimeout."""
        path = target.partition("?")[0].encode("latin-1", "replace")
        for route in self._routes:
            wanted = route.method
            if wanted != method and wanted != "ANY" and not (wanted == "GET" and method == "HEAD"):
                continue
            try:
                found = route.path.fullmatch(path)
            except MatchTimeout as exc:
                raise RouteMatchTimeout(route.number, str(exc)) from None
            if found is None:
                continue
            return RouteAnswer(
                route.number,
                route.status,
                route.content_type,
                expand_groups(route.body, found),
                route.delay,
                route.fault,
            )
        return None


class CompiledRoutes(NamedTuple):
    table: RouteTable
    errors: tuple[CellError, ...]


def compile_routes(rows: Sequence[Sequence[str]]) -> CompiledRoutes:
    """Rows of cells → the routes that can answer, and the reason for each bad cell."""
    routes: list[_Route] = []
    errors: list[CellError] = []
    for at, row in enumerate(rows):
        row_errors: list[CellError] = []

        def bad(
            field: RouteField, message: str, at: int = at, out: list[CellError] = row_errors
        ) -> None:
            out.append(CellError(at, field, message))

        route = _compile_row(at, row, bad)
        if route is None or row_errors:
            errors += row_errors
        else:
            routes.append(route)
    return CompiledRoutes(RouteTable(routes), tuple(errors))


def _compile_row(at: int, row: Sequence[str], bad: _Report) -> _Route | None:
    cells = [str(cell) for cell in row] + [""] * (len(RouteField) - len(row))
    method = cells[RouteField.METHOD].strip().upper()
    if method not in ROUTE_METHODS:
        bad(RouteField.METHOD, f"choose one of {', '.join(ROUTE_METHODS)}")
    path = _compile_path(cells[RouteField.PATH], bad)
    status = _parse_status(cells[RouteField.STATUS], bad)
    try:
        content_type = check_content_type(cells[RouteField.CONTENT_TYPE])
    except HttpConfigError as exc:
        content_type = ""
        bad(RouteField.CONTENT_TYPE, str(exc))
    delay = _parse_delay(cells[RouteField.DELAY], bad)
    try:
        fault = RouteFault(cells[RouteField.FAULT].strip() or RouteFault.NONE.value)
    except ValueError:
        fault = RouteFault.NONE
        bad(RouteField.FAULT, f"choose one of {', '.join(f.value for f in RouteFault)}")
    if path is None:
        return None
    body = cells[RouteField.BODY].encode("utf-8")
    return _Route(at + 1, method, path, status, content_type, body, delay, fault)


def _compile_path(text: str, report: _Report) -> UserRegex | None:
    source = text.strip()
    if source.startswith(REGEX_PREFIX):
        pattern = source[len(REGEX_PREFIX) :]
        if not pattern:
            report(RouteField.PATH, "write a regular expression after re:")
            return None
    else:
        if not source:
            report(RouteField.PATH, "the path is empty (/ is the root)")
            return None
        if not source.startswith(("/", "*")):
            report(RouteField.PATH, "a path starts with / (or re: for a regular expression)")
            return None
        pattern = glob_pattern(source)
    try:
        return compile_user_regex(pattern)
    except PatternError as exc:
        report(RouteField.PATH, str(exc))
        return None


def glob_pattern(glob: str) -> str:
    """A path glob as the regular expression it means: `*` → `(.*)`, the rest literal.

    Literal text goes in as its UTF-8 bytes (one Latin-1 character each), the form a
    client that sends a raw non-ASCII path puts on the wire.
    """
    parts = glob.split("*")
    literal = [regex.escape(part.encode("utf-8").decode("latin-1")) for part in parts]
    return "(.*)".join(literal)


def _parse_status(text: str, bad: _Report) -> int:
    value = text.strip()
    if not value.isdigit() or not 100 <= int(value) <= 599:
        bad(RouteField.STATUS, "a status is a number from 100 to 599")
        return 0
    return int(value)


def _parse_delay(text: str, bad: _Report) -> float:
    value = text.strip()
    if not value:
        return 0.0
    if not value.isdigit() or int(value) > MAX_DELAY_MS:
        bad(RouteField.DELAY, f"a delay is whole milliseconds from 0 to {MAX_DELAY_MS:,}")
        return 0.0
    return int(value) / 1000.0
