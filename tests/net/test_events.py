"""LogEvent and make_event: the record every layer reports through."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import app
from app.net.events import Kind, LogEvent, Source, make_event


def test_make_event_stamps_now_and_sizes_from_data() -> None:
    before = time.time()
    event = make_event(Source.TCP, Kind.RECEIVED, peer="127.0.0.1:80", data=b"hello")
    assert before <= event.time <= time.time()
    assert (event.source, event.kind, event.peer, event.data) == (
        Source.TCP,
        Kind.RECEIVED,
        "127.0.0.1:80",
        b"hello",
    )
    assert event.size == 5
    assert event.message == "" and event.detail == ""


def test_an_explicit_size_wins_over_the_data_kept() -> None:
    event = make_event(Source.UDP, Kind.SENT, "datagram", data=b"abc", size=65_507)
    assert event.size == 65_507
    assert event.message == "datagram"


def test_events_are_immutable_and_copied_with_replace() -> None:
    event = LogEvent(1.0, Source.APP, Kind.INFO, message="start")
    with pytest.raises(AttributeError):
        event.message = "changed"  # type: ignore[misc]
    copy = event._replace(data=b"x")
    assert copy.data == b"x" and event.data == b""
    assert copy[:3] == (1.0, Source.APP, Kind.INFO)


def test_field_order_is_what_the_log_model_reads_by_position() -> None:
    # app/ui/log/totals.py reads fields with itemgetter(1..6): the order is a contract.
    assert LogEvent._fields == (
        "time",
        "source",
        "kind",
        "peer",
        "data",
        "message",
        "size",
        "detail",
        "local",
        "partial",
    )


def test_kind_and_source_values_are_the_words_the_log_shows() -> None:
    assert [k.value for k in Kind] == ["sent", "received", "info", "error"]
    assert Source.APP.value == "App"


def _tuple_length(node: ast.expr, scope: ast.AST) -> int | None:
    """Elements of a tuple literal, a `*name` counted through `name = (…)` in `scope`."""
    if not isinstance(node, ast.Tuple):
        return None
    count = 0
    for element in node.elts:
        if not isinstance(element, ast.Starred):
            count += 1
            continue
        assert isinstance(element.value, ast.Name), ast.unparse(element)
        values = [
            n.value
            for n in ast.walk(scope)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == element.value.id for t in n.targets)
        ]
        assert len(values) == 1, f"cannot tell what {element.value.id} holds"
        inner = _tuple_length(values[0], scope)
        assert inner is not None, ast.unparse(values[0])
        count += inner
    return count


def _is_log_event(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "repeat" and _is_log_event(node.args[0])
    return isinstance(node, ast.Name) and node.id == "LogEvent"


def test_events_built_in_c_pass_every_field() -> None:
    """`tuple.__new__(LogEvent, fields)` skips the defaults: a missing last field is not an
    error there but a crash later (reading it goes past the tuple's end, a segfault)."""
    sites: dict[str, int] = {}
    for path in sorted(Path(app.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.Module):
                continue
            for call in ast.walk(scope):
                if not isinstance(call, ast.Call) or len(call.args) < 2:
                    continue
                if not _is_log_event(call.args[0]) and not (
                    len(call.args) == 3 and _is_log_event(call.args[1])
                ):
                    continue
                fields = call.args[-1]
                if isinstance(fields, ast.Call) and ast.unparse(fields.func) == "zip":
                    count: int | None = len(fields.args)
                else:
                    count = _tuple_length(fields, scope)
                assert count is not None, f"{path}:{call.lineno}: {ast.unparse(call)}"
                sites[f"{path.name}:{call.lineno}"] = count
    assert len(sites) >= 5, sites  # the UDP fast paths at least
    wrong = [site for site, count in sites.items() if count != len(LogEvent._fields)]
    assert not wrong, f"these build a LogEvent without all {len(LogEvent._fields)} fields"


def test_one_by_one_hands_each_event_of_a_list_to_a_single_event_sink() -> None:
    from app.net.events import one_by_one

    seen: list[LogEvent] = []
    events = [make_event(Source.TCP, Kind.INFO, str(n)) for n in range(3)]
    one_by_one(seen.append)(events)
    assert seen == events
