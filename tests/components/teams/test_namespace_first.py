"""A real apply never creates a team's object before the team's Namespace: every namespaced
object of every team (Kubernetes objects by metadata.namespace, Pod Identity associations by
namespace) depends on that Namespace, directly or through a parent that does."""

from __future__ import annotations

import pytest

from mlinfra.engine import Plan, PlannedResource
from mlinfra.split import SplitPlans

NAMESPACE = "kubernetes:core/v1:Namespace"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"


def _waits_for(plan: Plan, r: PlannedResource, urn: str) -> bool:
    seen: PlannedResource | None = r
    while seen is not None:
        if urn in seen.dependencies or any(urn in urns for urns in seen.property_dependencies.values()):
            return True
        seen = plan.by_urn(seen.parent) if seen.parent else None
    return False


def _team_objects(plan: Plan) -> list[tuple[PlannedResource, str]]:
    """(object, its team Namespace's URN) for every object in a team's namespace."""
    namespaces = {
        r.inputs["metadata"]["name"]: r.urn for r in plan.of_type(NAMESPACE) if "team" in r.inputs["metadata"].get("labels", {})
    }
    found = []
    for r in plan.resources:
        metadata = r.inputs.get("metadata")
        where = (
            r.inputs.get("namespace")
            if r.type == POD_IDENTITY
            else metadata.get("namespace")
            if isinstance(metadata, dict)
            else None
        )
        if where in namespaces and r.type != NAMESPACE:
            found.append((r, namespaces[where]))
    return found


def _assert_namespace_first(plan: Plan) -> None:
    objects = _team_objects(plan)
    kinds = {r.type for r, _ in objects}
    # Near misses would hide here if the walk found nothing: the kinds every team has, and serving's.
    assert {"kubernetes:core/v1:ResourceQuota", POD_IDENTITY, "kubernetes:apps/v1:Deployment"} <= kinds, sorted(kinds)
    assert (
        "kubernetes:security.istio.io/v1:AuthorizationPolicy" in kinds
        and "kubernetes:networking.istio.io/v1:VirtualService" in kinds
    )
    late = [f"{r.type} {r.name}" for r, namespace in objects if not _waits_for(plan, r, namespace)]
    assert not late, f"stack {plan.stack}: created without waiting for the team's Namespace: {late}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_team_objects_wait_for_their_namespace(stack: str, request: pytest.FixtureRequest) -> None:
    _assert_namespace_first(request.getfixturevalue(f"{stack}_plan"))


def test_team_objects_wait_for_their_namespace_in_a_tenants_stack(split_plans: tuple[Plan, SplitPlans]) -> None:
    _assert_namespace_first(split_plans[1].tenants)


def test_a_missing_dependency_is_caught(dev_plan: Plan) -> None:
    """The check itself: the same quota without its dependencies is reported."""
    [(quota, namespace)] = [(r, ns) for r, ns in _team_objects(dev_plan) if r.name == "team-recsys-quota"]
    stripped = PlannedResource(**{**quota.__dict__, "dependencies": (), "property_dependencies": {}, "parent": ""})
    assert _waits_for(dev_plan, quota, namespace) and not _waits_for(dev_plan, stripped, namespace)
