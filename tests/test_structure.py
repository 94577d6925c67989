"""The shape of the code itself: no import cycle anywhere, no module over 400 lines, and in the
command line and the policy pack no function over 60 lines or a McCabe complexity over 12.

import-linter checks the layers (which package may import which); this checks what it does
not: a cycle between two modules of one package, counting every import Python may run,
including function-level imports and imports under ``if TYPE_CHECKING:`` (ARCHITECTURE.md:
"No import cycle, not even through a function-level or TYPE_CHECKING import").
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("components", "stacks", "mlinfra", "policies")
MAX_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 12
# The function limits hold in every package (ruff's C901/PLR0912/PLR0915 in pyproject.toml too).
SMALL_FUNCTION_PACKAGES = PACKAGES

# Modules allowed over MAX_LINES: path -> why. Starts empty; an entry needs a reason, and an
# entry that is no longer over the limit fails the test so the list only ever shrinks.
LONG_MODULES: dict[str, str] = {}


@cache
def import_graph() -> grimp.ImportGraph:
    # cache_dir=None: no cache directory in the repository; the graph takes well under a second.
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_grimp_counts_function_level_and_type_checking_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cycle check is only as good as the graph: prove it holds both kinds of hidden import."""
    pkg = tmp_path / "structure_probe"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from structure_probe import hidden_type\n"
    )
    (pkg / "lazy.py").write_text("def f():\n    from structure_probe import hidden_call\n")
    (pkg / "hidden_type.py").write_text("")
    (pkg / "hidden_call.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    graph = grimp.build_graph("structure_probe", cache_dir=None)
    assert graph.direct_import_exists(importer="structure_probe.typed", imported="structure_probe.hidden_type")
    assert graph.direct_import_exists(importer="structure_probe.lazy", imported="structure_probe.hidden_call")
    # A near miss: no import where there is none.
    assert not graph.direct_import_exists(importer="structure_probe.typed", imported="structure_probe.hidden_call")
    sys.modules.pop("structure_probe", None)


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan, iterative)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in imports:
        if start in index:
            continue
        work = [(start, iter(imports[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imports[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def a_cycle(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """One concrete cycle through the group's first module (shortest, breadth-first)."""
    members, start = set(group), group[0]
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph.find_modules_directly_imported_by(node) & members):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start} in {group}")


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle, then every import inside the knot (each may be the one to break)."""
    members = set(group)
    edges = [f"    {m} -> {child}" for m in group for child in sorted(graph.find_modules_directly_imported_by(m) & members)]
    return f"cycle: {' -> '.join(a_cycle(graph, group))}\n  imports inside this knot:\n" + "\n".join(edges)


def test_the_cycle_finder_finds_a_cycle_and_names_it() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"), ("p.e", "p.d")]:
        graph.add_import(importer=importer, imported=imported)
    assert strongly_connected(graph) == [["p.a", "p.b", "p.c"]]
    assert a_cycle(graph, ["p.a", "p.b", "p.c"]) == ["p.a", "p.b", "p.c", "p.a"]
    # A near miss: the same imports without the edge that closes the loop hold no cycle.
    graph.remove_import(importer="p.c", imported="p.a")
    assert strongly_connected(graph) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package: str) -> None:
    """No two modules import each other, directly or through others, counting every import."""
    graph = import_graph()
    knots = [g for g in strongly_connected(graph) if any(m.split(".")[0] == package for m in g)]
    assert not knots, f"import cycles touching {package}/:\n" + "\n".join(describe(graph, g) for g in knots)


def modules() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_module_over_400_lines() -> None:
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in modules()}
    assert len(lengths) > 100, "the walk found the packages"
    too_long = {p: n for p, n in lengths.items() if n > MAX_LINES and p not in LONG_MODULES}
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concern): {too_long}"
    stale = {p: lengths.get(p) for p in LONG_MODULES if lengths.get(p, 0) <= MAX_LINES}
    assert not stale, f"LONG_MODULES entries no longer over {MAX_LINES} lines (remove them): {stale}"


def long_functions(paths: list[Path], root: Path = ROOT) -> dict[str, int]:
    """``path:line name`` -> length in lines, for every function (or method) over the limit."""
    found = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{path.relative_to(root)}:{node.lineno} {node.name}"] = length
    return found


def test_the_long_function_finder_flags_one_line_over_the_limit_not_the_limit(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))
    (tmp_path / "at_limit.py").write_text(f"def f():\n{body}\n")
    (tmp_path / "over.py").write_text(f"def g():\n{body}\n    return x0\n")
    found = long_functions([tmp_path / "at_limit.py", tmp_path / "over.py"], root=tmp_path)
    assert list(found.values()) == [MAX_FUNCTION_LINES + 1] and next(iter(found)) == "over.py:1 g", found


def test_no_function_over_60_lines() -> None:
    paths = [p for p in modules() if p.relative_to(ROOT).parts[0] in SMALL_FUNCTION_PACKAGES]
    assert not long_functions(paths), f"functions over {MAX_FUNCTION_LINES} lines (split them): {long_functions(paths)}"


def test_no_function_over_complexity_12() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    args = ["check", "--select", "C901", "--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--output-format", "concise"]
    result = subprocess.run([str(ruff), *args, *SMALL_FUNCTION_PACKAGES], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"functions over McCabe complexity {MAX_COMPLEXITY} (split them):\n{result.stdout}{result.stderr}"
    )
