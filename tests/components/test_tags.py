"""Tags: the one spelling of a child's tags, and AWS's limit of 50 per resource on every planned resource."""

from __future__ import annotations

from typing import Any

from components._tags import named_tags
from components.catalog.aws_limits import MAX_TAGS_PER_RESOURCE
from mlinfra.engine import Plan, run_program
from stacks.core_settings import MAX_EXTRA_TAGS
from stacks.loading import load_settings
from stacks.platform import build_platform


def test_name_comes_last_and_wins() -> None:
    assert named_tags({"Name": "x", "a": "1"}, "child", {"b": "2"}) == {"a": "1", "b": "2", "Name": "child"}


def _most_tags(plan: Plan) -> tuple[int, str]:
    counts = [(len(r.inputs.get("tags") or {}), r.name) for r in plan.resources if isinstance(r.inputs.get("tags"), dict)]
    return max(counts)


def test_every_planned_resource_stays_within_the_aws_tag_limit(any_plan: Plan) -> None:
    count, name = _most_tags(any_plan)
    assert count <= MAX_TAGS_PER_RESOURCE, f"{any_plan.stack}: {name} carries {count} tags"


def test_the_most_extra_tags_a_stack_may_set_still_fit() -> None:
    # Prod at the limit of extra tags: its most-tagged resource (a GPU node group) must still fit.
    settings = load_settings("prod")
    extra: dict[str, Any] = {f"extra-{i}": "x" for i in range(MAX_EXTRA_TAGS - len(settings.tags))}
    plan = run_program(settings.model_copy(update={"tags": {**settings.tags, **extra}}), program=build_platform)
    count, name = _most_tags(plan)
    assert count <= MAX_TAGS_PER_RESOURCE, f"{name} carries {count} tags with {MAX_EXTRA_TAGS} extra tags"
