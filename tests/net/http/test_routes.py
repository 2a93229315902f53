"""The route table without a socket: globs, regexes, methods, order, bad cells, timeouts."""

from __future__ import annotations

import time

import pytest

from app.net.http.routes import (
    DEFAULT_ROUTE,
    RouteFault,
    RouteField,
    RouteMatchTimeout,
    compile_routes,
    glob_pattern,
)


def row(
    method: str = "GET",
    path: str = "/",
    status: str = "200",
    content_type: str = "text/plain",
    body: str = "",
    delay: str = "0",
    fault: str = "None",
) -> list[str]:
    return [method, path, status, content_type, body, delay, fault]


def table(*rows: list[str]):  # type: ignore[no-untyped-def]
    compiled = compile_routes(rows)
    assert compiled.errors == (), compiled.errors
    return compiled.table


def test_a_glob_star_matches_any_run_of_characters_slashes_included() -> None:
    routes = table(row(path="/api/*", body="api"))
    assert routes.match("GET", "/api/items/42").body == b"api"  # type: ignore[union-attr]
    assert routes.match("GET", "/api/").body == b"api"  # type: ignore[union-attr]
    assert routes.match("GET", "/api") is None
    assert routes.match("GET", "/other/api/x") is None  # the whole path must match


def test_glob_stars_are_groups_and_the_rest_is_literal() -> None:
    routes = table(row(path="/users/*/posts/*.json", body="user $1 post $2"))
    found = routes.match("GET", "/users/7/posts/99.json")
    assert found is not None and found.body == b"user 7 post 99"
    # A dot or a bracket in a glob is itself, not a regex metacharacter.
    assert routes.match("GET", "/users/7/posts/99xjson") is None
    assert table(row(path="/a[1]")).match("GET", "/a[1]") is not None
    # Literal non-ASCII text matches its UTF-8 bytes as sent (one Latin-1 character each).
    assert table(row(path="/café/*")).match("GET", "/café/x".encode().decode("latin-1"))
    assert glob_pattern("/x*") == "/x(.*)"


def test_a_regex_path_fills_dollar_groups_in_the_body() -> None:
    routes = table(row(path=r"re:/api/items/(\d+)", body='{"id": $1, "path": "$0", "cost": "$$5"}'))
    found = routes.match("GET", "/api/items/42")
    assert found is not None
    assert found.body == b'{"id": 42, "path": "/api/items/42", "cost": "$5"}'
    assert routes.match("GET", "/api/items/abc") is None
    assert routes.match("GET", "/api/items/42/extra") is None  # fullmatch, not search


def test_the_query_string_is_not_part_of_the_path() -> None:
    routes = table(row(path="re:/search(.*)", body="[$1]"))
    found = routes.match("GET", "/search?q=x")
    assert found is not None and found.body == b"[]"


def test_any_matches_every_method_and_a_specific_method_only_itself() -> None:
    routes = table(
        row(method="POST", path="/x", body="post"), row(method="ANY", path="/x", body="any")
    )
    assert routes.match("POST", "/x").body == b"post"  # type: ignore[union-attr]
    for method in ("GET", "PUT", "DELETE", "OPTIONS", "PATCH"):
        assert routes.match(method, "/x").body == b"any"  # type: ignore[union-attr]


def test_head_is_answered_by_a_get_route_but_a_head_route_does_not_answer_get() -> None:
    routes = table(row(method="GET", path="/page", body="get"))
    assert routes.match("HEAD", "/page") is not None
    head_only = table(row(method="HEAD", path="/probe"))
    assert head_only.match("HEAD", "/probe") is not None
    assert head_only.match("GET", "/probe") is None
    assert table(row(method="POST", path="/p")).match("HEAD", "/p") is None


def test_the_first_matching_route_wins_and_no_match_falls_through() -> None:
    routes = table(
        row(path="/api/items/42", body="exact", status="201"),
        row(path="/api/*", body="glob"),
        row(path="/api/items/42", body="never"),
    )
    first = routes.match("GET", "/api/items/42")
    assert first is not None and (first.number, first.status, first.body) == (1, 201, b"exact")
    second = routes.match("GET", "/api/other")
    assert second is not None and (second.number, second.body) == (2, b"glob")
    assert routes.match("GET", "/elsewhere") is None
    assert table().match("GET", "/") is None


def test_the_answer_carries_status_type_delay_and_fault() -> None:
    routes = table(row(status="503", content_type="", delay="250", fault="Dribble"))
    found = routes.match("GET", "/")
    assert found is not None
    assert (found.status, found.content_type, found.delay, found.fault) == (
        503,
        "",
        0.25,
        RouteFault.DRIBBLE,
    )
    assert table(row(delay="")).match("GET", "/").delay == 0.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "cells", "reason"),
    [
        (RouteField.PATH, {"path": "re:(["}, "position"),
        (RouteField.PATH, {"path": "re:"}, "after re:"),
        (RouteField.PATH, {"path": ""}, "empty"),
        (RouteField.PATH, {"path": "api/x"}, "starts with /"),
        (RouteField.PATH, {"path": "re:/caf\u00e9\u2713"}, "not a byte"),
        (RouteField.STATUS, {"status": "99"}, "100 to 599"),
        (RouteField.STATUS, {"status": "600"}, "100 to 599"),
        (RouteField.STATUS, {"status": "ok"}, "100 to 599"),
        (RouteField.STATUS, {"status": ""}, "100 to 599"),
        (RouteField.DELAY, {"delay": "-5"}, "whole milliseconds"),
        (RouteField.DELAY, {"delay": "1.5"}, "whole milliseconds"),
        (RouteField.DELAY, {"delay": "600001"}, "whole milliseconds"),
        (RouteField.CONTENT_TYPE, {"content_type": "text/plain\x0bX: y"}, "control"),
        (RouteField.METHOD, {"method": "BREW"}, "choose one of"),
        (RouteField.FAULT, {"fault": "Explode"}, "choose one of"),
    ],
)
def test_a_bad_cell_is_named_with_its_reason_and_its_route_is_off(
    field: RouteField, cells: dict[str, str], reason: str
) -> None:
    compiled = compile_routes(
        [row(path="/ok", body="first"), row(**cells), row(path="/*", body="last")]
    )
    assert [(e.row, e.field) for e in compiled.errors] == [(1, field)]
    assert reason in compiled.errors[0].message
    assert len(compiled.table) == 2
    # The bad route answers nothing; the routes around it still do.
    found = compiled.table.match("GET", "/ok")
    assert found is not None and found.body == b"first"
    last = compiled.table.match("GET", "/anything")
    assert last is not None and (last.number, last.body) == (3, b"last")


def test_every_bad_cell_of_a_row_is_reported_at_once() -> None:
    compiled = compile_routes([row(path="re:(", status="0", delay="x")])
    assert {e.field for e in compiled.errors} == {
        RouteField.PATH,
        RouteField.STATUS,
        RouteField.DELAY,
    }


def test_a_short_row_takes_empty_cells_and_the_default_row_compiles() -> None:
    assert compile_routes([list(DEFAULT_ROUTE)]).errors == ()
    compiled = compile_routes([["GET", "/x", "204"]])
    assert compiled.errors == ()
    found = compiled.table.match("GET", "/x")
    assert found is not None and (found.body, found.fault) == (b"", RouteFault.NONE)


def test_a_catastrophic_path_regex_is_stopped_by_the_time_limit() -> None:
    # (The regex package's own optimisations defuse the classic `(a+)+$`; this one not.)
    routes = table(row(path="re:/(a|aa)+"), row(path="/*", body="fine"))
    started = time.perf_counter()
    with pytest.raises(RouteMatchTimeout) as caught:
        routes.match("GET", "/" + "a" * 40 + "b")
    assert time.perf_counter() - started < 1.5
    assert caught.value.number == 1 and "route 1" in str(caught.value)
    found = routes.match("GET", "/aaa")
    assert found is not None and found.number == 1  # the route itself still answers
