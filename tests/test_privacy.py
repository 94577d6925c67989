"""Private means private: a ``_`` module or name is imported only inside the package that holds it.

``components/kafka/_msk.py`` serves the kafka area alone; ``components/_helm.py`` serves the
components alone (stacks and the command line go through each area's public ``__init__`` or its
public modules). Read from the source (every import statement, also inside functions and under
``TYPE_CHECKING``); tests may import private helpers to test them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("components", "stacks", "mlinfra", "policies")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str, root: Path = ROOT) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _owner(dotted: str, root: Path = ROOT) -> str | None:
    """The package a private module or name belongs to, or None when nothing in it is private."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            holder = ".".join(parts[:i])
            # A private name or module belongs to the package that holds it (a module's package).
            return holder if (root.joinpath(*parts[:i]) / "__init__.py").is_file() else holder.rpartition(".")[0]
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def private_imports(root: Path = ROOT) -> list[str]:
    bad = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "venv" in path.parts:
                continue
            importer = _module_name(path, root)
            for line, name in _imports(path):
                owner = _owner(name, root)
                if owner is not None and not (importer == owner or importer.startswith(owner + ".")):
                    bad.append(f"{path.relative_to(root)}:{line} imports {name} (private to {owner})")
    return bad


def test_nothing_imports_a_private_module_or_name_from_outside_its_package() -> None:
    assert private_imports() == []


def test_a_private_import_from_another_package_is_found_and_one_from_inside_is_not(tmp_path: Path) -> None:
    for folder in ("components", "components/kafka", "stacks"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "components/kafka/_msk.py").write_text("X = 1\n")
    (tmp_path / "components/kafka/kafka.py").write_text("from components.kafka._msk import X\n")
    (tmp_path / "stacks/kafka_settings.py").write_text("def f():\n    from components.kafka._msk import X\n")
    assert private_imports(tmp_path) == [
        "stacks/kafka_settings.py:2 imports components.kafka._msk.X (private to components.kafka)"
    ]


def test_the_check_sees_private_modules_and_names_and_allows_them_inside() -> None:
    assert _owner("components.kafka._msk.MskArgs") == "components.kafka"
    assert _owner("components._helm.helm_addon") == "components"
    assert _owner("components.kafka.validation._private_name") == "components.kafka"
    assert _owner("components.kafka.validation.team_prefix") is None
    assert _is_module("components.kafka._msk") and not _is_module("components.kafka._nothing_here")
