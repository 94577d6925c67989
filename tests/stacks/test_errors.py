"""stacks/errors.py: messages name the user's field and say what is allowed, never a raw regex."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, StringConstraints, ValidationError

from stacks.errors import PATTERN_MEANS, Problem, error_field, problems_from_validation_error
from stacks.settings import Settings
from stacks.team_model import TeamFile


def _patterns(schema: Any) -> set[str]:
    """Every `pattern` in a JSON Schema (properties, items, map keys via propertyNames, $defs)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                found.add(value)
            else:
                found |= _patterns(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= _patterns(item)
    return found


@pytest.mark.parametrize("model", [Settings, TeamFile], ids=["stack file", "team file"])
def test_every_field_pattern_has_a_meaning(model: type[BaseModel]) -> None:
    patterns = _patterns(model.model_json_schema())
    assert patterns, "the walk found no pattern at all"
    missing = sorted(patterns - PATTERN_MEANS.keys())
    assert not missing, f"patterns without a message (stacks.errors.explain_patterns): {missing}"
    for pattern in patterns:
        means = PATTERN_MEANS[pattern]
        assert means.startswith("must be ") and pattern not in means, (pattern, means)


def _problems(model: type[BaseModel], data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return problems_from_validation_error(info.value, "f.yaml", prefix="mlinfra:")


def test_a_pattern_error_on_a_map_key_names_the_key_and_its_meaning() -> None:
    from stacks.gpu_settings import PoolName

    class Named(BaseModel):
        gpu_node_groups: dict[PoolName, int]

    (problem,) = _problems(Named, {"gpu_node_groups": {"Bad_Name": 1}})
    assert problem.field == "mlinfra:gpu_node_groups.Bad_Name"
    assert problem.message == f"{PATTERN_MEANS[r'^[a-z][a-z0-9-]{0,19}$']}, got 'Bad_Name'"
    assert "^" not in problem.message and "[key]" not in problem.field


def test_a_non_text_key_is_named_by_its_value() -> None:
    class Zones(BaseModel):
        data_lake: dict[str, str]

    (problem,) = _problems(Zones, {"data_lake": {1: "read"}})
    assert (problem.field, problem.message) == ("mlinfra:data_lake.1", "a key here must be a name (text), got 1")


def test_an_unexplained_pattern_still_shows_no_regex() -> None:
    class Coded(BaseModel):
        code: Annotated[str, StringConstraints(pattern=r"^zz-[0-9]{3}$")]

    (problem,) = _problems(Coded, {"code": "x"})
    assert "zz-" not in problem.message and problem.message.endswith(", got 'x'"), problem


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("owners", 2), "owners[2]"),
        (("dev", "data_lake", "raw"), "dev.data_lake.raw"),
        (("gpu_node_groups", "Bad", "[key]"), "gpu_node_groups.Bad"),
        (("data_lake", 1, "[key]"), "data_lake.1"),
        (("k", "[key]"), "k"),
    ],
)
def test_error_field(loc: tuple[Any, ...], field: str) -> None:
    assert error_field(loc) == field


def test_a_long_echoed_value_is_cut_when_shown_and_kept_in_full() -> None:
    from stacks.errors import ECHO_LIMIT

    value = "a b" * 3000
    problem = Problem("f.yaml", "mlinfra:cost_center", f"must be short, got {value!r}; also not {'x' * 5!r}")
    shown = str(problem)
    assert len(shown) < 150, shown
    assert shown.endswith("...' (9000 characters); also not 'xxxxx'"), shown
    assert shown.count("a b") < ECHO_LIMIT
    assert value in problem.message  # the Problem itself keeps the whole value
    assert str(Problem(problem.file, problem.field, shown.split(": ", 2)[2])) == shown  # showing twice changes nothing


def test_a_long_field_path_is_cut_when_shown() -> None:
    shown = str(Problem("f.yaml", "mlinfra:tags." + "k" * 500, "bad"))
    assert len(shown) < 150 and shown.endswith("...: bad"), shown
