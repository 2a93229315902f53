"""The package's shape is itself tested: layer rules, tab independence, no import cycles.

Every module of `app/` is parsed with `ast` (nothing is imported): module-level and
function-level imports count, `import x` and `from x import y`, relative imports
resolved, and `importlib.import_module("literal")` too, so a lazy import cannot hide a
dependency. See DESIGN.md "The layers" for the rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
TESTS = ROOT / "tests"

QT = ("PySide6", "shiboken6")
# Modules that must run without Qt: the command line and the tests without a GUI use them.
QT_FREE = (
    "app.net",
    "app.export",
    "app.messages",
    "app.payload",
    "app.units",
    "app.cli",
    "app.settings_location",
    "app.packaging",
)
TAB_PACKAGE = "app.ui.tabs"
# Tabs may use these, and these may use tabs: the registry lists them, tool_tab is
# the base every tab builds on.
TAB_SHARED = ("app.ui.tabs.registry", "app.ui.tabs.tool_tab")


class Import(NamedTuple):
    importer: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, module] if module else package)


def parse_imports(
    source: str, importer: str, *, is_package: bool = False, known: frozenset[str] = frozenset()
) -> list[Import]:
    """Every module `source` imports, wherever the import statement is.

    `from pkg import name` also counts as importing `pkg.name` when that is a module
    in `known`.
    """
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Import(importer, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(importer, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            found.append(Import(importer, base, node.lineno))
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.append(Import(importer, f"{base}.{alias.name}", node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(importer, node.args[0].value, node.lineno))
    return found


def all_imports() -> list[Import]:
    modules = app_modules()
    known = frozenset(modules)
    found: list[Import] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        found.extend(
            parse_imports(source, name, is_package=path.name == "__init__.py", known=known)
        )
    return found


def is_in(module: str, prefixes: tuple[str, ...] | str) -> bool:
    if isinstance(prefixes, str):
        prefixes = (prefixes,)
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def import_graph() -> dict[str, set[str]]:
    """importer -> the app modules it imports."""
    modules = app_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for found in all_imports():
        if found.target in modules and found.target != found.importer:
            graph[found.importer].add(found.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle path (first module repeated at the end) per strongly connected group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:  # Tarjan; the app has ~100 modules, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_path_within(graph, group) for group in groups]


def _path_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    # Breadth-first from start back to start inside the group: the shortest cycle through it.
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle in {group}")  # pragma: no cover - Tarjan found one


def violations() -> Iterator[tuple[Import, str]]:
    for found in all_imports():
        importer, target = found.importer, found.target
        if is_in(importer, QT_FREE) and is_in(target, (*QT, "app.ui", "app.workers")):
            yield found, f"{found}: {importer} must not depend on Qt, the GUI or the workers"
        if is_in(importer, "app.workers") and is_in(target, "app.ui"):
            yield found, f"{found}: workers must not depend on the GUI"
        if (
            is_in(importer, TAB_PACKAGE)
            and is_in(target, TAB_PACKAGE)
            and importer != TAB_PACKAGE
            and target not in (importer, TAB_PACKAGE)
            and not is_in(importer, TAB_SHARED)
            and not is_in(target, TAB_SHARED)
        ):
            yield found, f"{found}: a tab must not import another tab (share it in app/ui/widgets)"


# -- the checker itself ---------------------------------------------------------------


def test_parser_sees_every_kind_of_import() -> None:
    source = (
        "import os, app.net.events\n"
        "from app.ui import log\n"
        "from . import sibling\n"
        "from ..net.reactor import Reactor\n"
        "def later():\n"
        "    from PySide6.QtCore import QTimer\n"
        "    import importlib\n"
        "    return importlib.import_module('app.ui.tabs.tcp_client')\n"
    )
    known = frozenset({"app.ui.log", "app.export.sibling"})
    targets = {i.target for i in parse_imports(source, "app.export.writer", known=known)}
    assert targets == {
        "os",
        "app.net.events",
        "app.ui",
        "app.ui.log",
        "app.export",
        "app.export.sibling",
        "app.net.reactor",
        "PySide6.QtCore",
        "importlib",
        "app.ui.tabs.tcp_client",
    }
    # In a package's __init__, "." is the package itself.
    inside = parse_imports("from .reactor import Reactor\n", "app.net", is_package=True)
    assert [i.target for i in inside] == ["app.net.reactor"]


def test_cycle_finder_reports_the_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert sorted(cycles(graph)) == [["a", "b", "c", "a"], ["e", "f", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_module_parses_and_is_seen() -> None:
    modules = app_modules()
    assert "app.net.reactor" in modules and "app.ui.main_window" in modules
    importers = {i.importer for i in all_imports()}
    # Every module with code imports something (at least `from __future__`).
    assert importers >= {"app.net.reactor", "app.ui.log.pane", "app.workers.reactor_worker"}


# -- the rules ------------------------------------------------------------------------


def tab_imports() -> set[tuple[str, str]]:
    return {
        (found.importer, found.target)
        for found in all_imports()
        if is_in(found.importer, TAB_PACKAGE) and is_in(found.target, TAB_PACKAGE)
    }


def test_layers_import_only_downwards() -> None:
    found = sorted({message for _where, message in violations()})
    assert not found, "layer rule broken:\n" + "\n".join(found)


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


# -- tests mirror the package ---------------------------------------------------------

# Modules of app/net without a test module of their own, and why. Each is checked to
# define no function at all: an exemption cannot hide logic.
NO_TEST_MODULE = {
    "app.net": "package docstring only",
    "app.net.http": "empty package",
    "app.net.http.client": "package docstring only",
    "app.net.websocket": "package docstring only",
    "app.net.tcp": "empty package",
    "app.net.udp": "empty package",
    "app.net.tls": "package docstring only",
    "app.net.rules": "package docstring only",
    "app.net.tcp.status": "records (an enum and a NamedTuple)",
    "app.net.websocket.status": "records (an enum and a NamedTuple)",
    "app.net.udp.status": "records (a frozen dataclass, an enum and NamedTuples)",
    "app.net.reply": "records (an enum)",
    "app.net.udp.listener_status": "records (an enum and NamedTuples) and a log prefix",
    "app.net.tcp.server_status": "records (an enum and NamedTuples)",
    "app.net.relay": "package docstring only",
    "app.net.relay.status": "records (enums and NamedTuples)",
}


def net_modules() -> list[str]:
    return sorted(name for name in app_modules() if is_in(name, "app.net"))


def expected_test_module(module: str) -> Path:
    """app.net.udp.sender -> tests/net/udp/test_sender.py."""
    parts = module.split(".")[1:]
    return TESTS.joinpath(*parts[:-1], f"test_{parts[-1]}.py")


def defines_functions(module: str) -> bool:
    tree = ast.parse(app_modules()[module].read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(tree))


@pytest.mark.parametrize("module", [m for m in net_modules() if m not in NO_TEST_MODULE])
def test_net_module_has_a_test_module(module: str) -> None:
    expected = expected_test_module(module)
    assert expected.is_file(), f"{module} has no {expected.relative_to(ROOT)}"


def test_exemptions_are_real_and_still_needed() -> None:
    modules = set(net_modules())
    for module in NO_TEST_MODULE:
        assert module in modules, f"{module} is gone: remove its exemption"
        assert not expected_test_module(module).is_file(), (
            f"{module} has a test module now: remove its exemption"
        )
    for module in NO_TEST_MODULE:
        assert not defines_functions(module), f"{module} has functions: it needs tests"
