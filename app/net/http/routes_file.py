r"""The HTTP routes file (Import…/Export… of the HTTP Server tab's routes table).

A JSON object; `routes` lists the routes top to bottom (the first match answers):

    {
      "format": "socket-tester-http-routes",
      "version": 1,
      "routes": [
        {
          "method": "GET",                  // ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
          "path": "re:/api/items/(\\d+)",   // a glob (`*` = anything) or re: + a regex
          "status": 200,                    // 100-599
          "content_type": "application/json",
          "body": "{\"id\": $1}",           // $1…$9: the path's groups, $$: a dollar sign
          "delay_ms": 0,
          "fault": "None"                   // None, Empty response, Reset connection,
        }                                   // Random data then close, Dribble
      ]
    }

Only `path` is required in a route; a missing field takes the default of a new row.
A cell that does not compile (a status of 700, a bad regex) is kept as written, so the
table shows the reason instead of the import failing; `method` and `fault` must be one
of their choices, because the table's combo editors cannot show anything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.net.http.routes import DEFAULT_ROUTE, ROUTE_METHODS, RouteFault, RouteField

FORMAT = "socket-tester-http-routes"
VERSION = 1
_KEYS = ("method", "path", "status", "content_type", "body", "delay_ms", "fault")
_NUMBERS = {"status", "delay_ms"}
_FAULTS = tuple(f.value for f in RouteFault)


def dump_routes(rows: Sequence[Sequence[str]]) -> dict[str, object]:
    """Table rows (text cells) → the file's object; numbers written as numbers."""
    routes: list[dict[str, object]] = []
    for row in rows:
        route: dict[str, object] = {}
        for key, cell in zip(_KEYS, row, strict=False):
            text = str(cell)
            route[key] = int(text) if key in _NUMBERS and text.strip().isdigit() else text
        routes.append(route)
    return {"format": FORMAT, "version": VERSION, "routes": routes}


def load_routes(document: object) -> list[list[str]]:
    """The file's object → table rows; ValueError says what is wrong, as a person reads it."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'expected an object with "format": "{FORMAT}"')
    version = document.get("version")
    if version != VERSION:
        raise ValueError(f"version {version!r} is not one this program reads ({VERSION})")
    routes = document.get("routes")
    if not isinstance(routes, list):
        raise ValueError('"routes" must be a list')
    return [_row(number, route) for number, route in enumerate(routes, start=1)]


def _row(number: int, route: object) -> list[str]:
    if not isinstance(route, dict):
        raise ValueError(f"route {number} is not an object")
    unknown = sorted(set(route) - set(_KEYS))
    if unknown:
        raise ValueError(f"route {number} has unknown fields: {', '.join(unknown)}")
    if "path" not in route:
        raise ValueError(f"route {number} has no path")
    row: list[str] = []
    for field, key in zip(RouteField, _KEYS, strict=True):
        value = route.get(key, DEFAULT_ROUTE[field])
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f"route {number}: {key} must be text or a whole number")
        row.append(str(value))
    if row[RouteField.METHOD] not in ROUTE_METHODS:
        raise ValueError(f"route {number}: method must be one of {', '.join(ROUTE_METHODS)}")
    if row[RouteField.FAULT] not in _FAULTS:
        raise ValueError(f"route {number}: fault must be one of {', '.join(_FAULTS)}")
    return row
