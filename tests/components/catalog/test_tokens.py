"""Component type tokens: no stutter, unique, and typed nowhere but the catalog."""

from __future__ import annotations

import re
from pathlib import Path

COMPONENTS = Path(__file__).resolve().parents[3] / "components"
TOKEN = re.compile(r"mlinfra:([a-z]+):([A-Za-z]+)")


def _tokens() -> dict[str, str]:
    """Every token constant of the catalog: tokens.py, and the modules new areas add (one place each)."""
    import importlib

    found: dict[str, str] = {}
    for path in sorted((COMPONENTS / "catalog").glob("*.py")):
        module = importlib.import_module(f"components.catalog.{path.stem}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and TOKEN.fullmatch(value):
                found[f"{path.stem}.{name}"] = value
    assert "tokens.KAFKA_CLUSTER" in found, sorted(found)
    return found


def test_type_tokens_have_no_stutter_and_are_unique() -> None:
    values = list(_tokens().values())
    assert len(values) == len(set(values)), values
    for value in values:
        match = TOKEN.fullmatch(value)
        assert match, f"{value} is not mlinfra:<area>:<Class>"
        area, cls = match.groups()
        assert not cls.lower().startswith(area), f"{value} stutters (the area repeats the class)"


def _component_sources() -> dict[str, str]:
    """Every module under components/, area subpackages included, the catalog excluded."""
    return {
        str(p.relative_to(COMPONENTS)): p.read_text(encoding="utf-8")
        for p in sorted(COMPONENTS.rglob("*.py"))
        if "catalog" not in p.relative_to(COMPONENTS).parts
    }


def test_components_take_their_type_token_from_the_catalog() -> None:
    sources = _component_sources()
    # The walk reaches into the area subpackages: a module moved into one cannot fall out of the check.
    assert "kafka/kafka.py" in sources and "mesh/serving.py" in sources, sorted(sources)
    literal = [name for name, text in sources.items() if TOKEN.search(text)]
    assert literal == [], f"type tokens typed in components instead of components/catalog/tokens.py: {literal}"
    defining = [name for name, text in sources.items() if "(pulumi.ComponentResource)" in text]
    untokened = [name for name in defining if not re.search(r"\btokens\.|from components\.catalog\.\w+ import", sources[name])]
    assert len(defining) >= len(_tokens()) // 2 and untokened == [], f"components without a catalog token: {untokened}"
