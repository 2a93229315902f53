"""The routes file: what Export writes, what Import accepts and the reasons it refuses."""

from __future__ import annotations

import json

import pytest

from app.net.http.routes import DEFAULT_ROUTE, compile_routes
from app.net.http.routes_file import FORMAT, dump_routes, load_routes

ROWS = [
    ["GET", r"re:/api/items/(\d+)", "200", "application/json", '{"id": $1}', "0", "None"],
    ["ANY", "/slow/*", "503", "", "later", "1500", "Dribble"],
]


def test_export_writes_numbers_as_numbers_and_import_gives_the_rows_back() -> None:
    document = dump_routes(ROWS)
    text = json.dumps(document)
    assert json.loads(text)["routes"][1] == {
        "method": "ANY",
        "path": "/slow/*",
        "status": 503,
        "content_type": "",
        "body": "later",
        "delay_ms": 1500,
        "fault": "Dribble",
    }
    assert load_routes(json.loads(text)) == ROWS


def test_a_bad_cell_round_trips_as_written() -> None:
    rows = [["GET", "re:([", "7000", "", "", "soon", "None"]]
    assert load_routes(json.loads(json.dumps(dump_routes(rows)))) == rows
    assert len(compile_routes(rows).errors) == 3


def test_only_the_path_is_required() -> None:
    rows = load_routes({"format": FORMAT, "version": 1, "routes": [{"path": "/x"}]})
    expected = list(DEFAULT_ROUTE)
    expected[1] = "/x"
    assert rows == [expected]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "format"),
        ({"format": "other"}, "format"),
        ({"format": FORMAT, "version": 2, "routes": []}, "version 2"),
        ({"format": FORMAT, "version": 1}, '"routes" must be a list'),
        ({"format": FORMAT, "version": 1, "routes": ["/x"]}, "route 1 is not an object"),
        ({"format": FORMAT, "version": 1, "routes": [{"method": "GET"}]}, "route 1 has no path"),
        ({"format": FORMAT, "version": 1, "routes": [{"path": "/", "colour": 1}]}, "colour"),
        ({"format": FORMAT, "version": 1, "routes": [{"path": "/", "status": 2.5}]}, "status"),
        ({"format": FORMAT, "version": 1, "routes": [{"path": "/", "body": True}]}, "body"),
        ({"format": FORMAT, "version": 1, "routes": [{"path": "/", "method": "BREW"}]}, "method"),
        ({"format": FORMAT, "version": 1, "routes": [{"path": "/", "fault": "x"}]}, "fault"),
    ],
)
def test_a_file_that_is_not_a_routes_file_is_refused_with_the_reason(
    document: object, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        load_routes(document)
