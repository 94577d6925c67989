"""The platform context: typed keys, never mutated, each fact and output provided once."""

from __future__ import annotations

import pytest

from stacks.context import Key, MissingFactError, PlatformContext

NUMBER: Key[int] = Key("number")
OTHER: Key[int] = Key("other")


def test_with_returns_a_new_context_and_leaves_the_old_one_alone() -> None:
    empty = PlatformContext()
    one = empty.with_(NUMBER, 1)
    assert one.get(NUMBER) == 1 and not empty.has(NUMBER)


def test_reading_a_key_nobody_provided_names_it_and_what_is_known() -> None:
    with pytest.raises(MissingFactError, match=r"no area provided 'other' before it was read \(known: \['number'\]\)"):
        PlatformContext().with_(NUMBER, 1).get(OTHER)


def test_a_fact_provided_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="'number' is provided twice"):
        PlatformContext().with_(NUMBER, 1).with_(NUMBER, 2)


def test_outputs_accumulate_and_an_output_exported_twice_is_an_error() -> None:
    ctx = PlatformContext().export(a=1).export(b=2)
    assert dict(ctx.outputs) == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match=r"stack outputs exported twice: \['a'\]"):
        ctx.export(a=3)


def test_the_context_cannot_be_changed_in_place() -> None:
    ctx = PlatformContext().with_(NUMBER, 1)
    with pytest.raises(TypeError):
        ctx.facts[OTHER] = 2  # type: ignore[index]
