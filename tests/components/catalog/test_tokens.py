"""Component type tokens: no stutter, unique, and typed nowhere but the catalog."""

from __future__ import annotations

import re
from pathlib import Path

from components.catalog import tokens

COMPONENTS = Path(__file__).resolve().parents[3] / "components"
TOKEN = re.compile(r"mlinfra:([a-z]+):([A-Za-z]+)")


def _tokens() -> dict[str, str]:
    return {name: value for name, value in vars(tokens).items() if name.isupper()}


def test_type_tokens_have_no_stutter_and_are_unique() -> None:
    values = list(_tokens().values())
    assert len(values) == len(set(values)), values
    for value in values:
        match = TOKEN.fullmatch(value)
        assert match, f"{value} is not mlinfra:<area>:<Class>"
        area, cls = match.groups()
        assert not cls.lower().startswith(area), f"{value} stutters (the area repeats the class)"


def test_components_take_their_type_token_from_the_catalog() -> None:
    literal = [p.name for p in COMPONENTS.glob("*.py") if TOKEN.search(p.read_text(encoding="utf-8"))]
    assert literal == [], f"type tokens typed in components instead of components/catalog/tokens.py: {literal}"
