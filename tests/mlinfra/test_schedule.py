"""The `pulumi up` estimate: list scheduling on crafted graphs, and on the recorded plans."""

from __future__ import annotations

import itertools

import pytest

from mlinfra.engine import Plan, PlannedResource
from mlinfra.schedule import ScheduleError, Task, schedule_plan, simulate, tasks_of

# A diamond with a long arm: a(5) -> b(100) -> d(10), a -> c(20) -> d; e(1) stands alone.
DIAMOND = [
    Task("a", "t:a", "a", 5),
    Task("b", "t:b", "b", 100, ("a",)),
    Task("c", "t:c", "c", 20, ("a",)),
    Task("d", "t:d", "d", 10, ("b", "c")),
    Task("e", "t:e", "e", 1),
]


def test_unbounded_schedule_follows_the_longest_chain() -> None:
    s = simulate(DIAMOND, parallel=None, chain_types=("t:b",))
    assert s.total == 115
    assert [x.name for x in s.critical_path] == ["a", "b", "d"]
    assert (s.slots["d"].start, s.slots["c"].start, s.slots["e"].start) == (105, 5, 0)
    assert s.inherent_chain == 105 and s.ratio == pytest.approx(115 / 105)


def test_parallel_limit_delays_ready_work() -> None:
    # One slot: everything runs one after the other (ready order, then URN: a, e, b, c, d).
    serial = simulate(DIAMOND, parallel=1)
    assert serial.total == 5 + 1 + 100 + 20 + 10
    assert serial.slots["e"].start == 5 and serial.slots["d"].start == 126
    # Two slots: a and e start together; b and c run side by side; d waits for b.
    assert simulate(DIAMOND, parallel=2).total == 115


def test_cycles_and_unknown_dependencies_are_errors() -> None:
    with pytest.raises(ScheduleError, match="cycle"):
        simulate([Task("x", "t", "x", 1, ("y",)), Task("y", "t", "y", 1, ("x",))])
    with pytest.raises(ScheduleError, match="not in the plan"):
        simulate([Task("x", "t", "x", 1, ("nowhere",))])
    with pytest.raises(ScheduleError, match="at least 1"):
        simulate(DIAMOND, parallel=0)


def _r(urn: str, *, custom: bool = True, parent: str = "", deps: tuple[str, ...] = (), provider: str = "") -> PlannedResource:
    return PlannedResource(urn, f"aws:x/{urn}:{urn}", urn, parent, custom, {}, deps, {}, provider)


def test_tasks_follow_pulumi_semantics() -> None:
    plan = Plan(
        "t",
        [
            _r("comp", custom=False, deps=("slow",)),  # a component's own wait is not its children's
            _r("child", parent="comp"),
            _r("inner", custom=False, parent="comp"),
            _r("grandchild", parent="inner"),
            _r("slow"),
            _r("prov"),
            _r("user", deps=("comp",), provider="prov::prov-id"),  # depends on the component: its custom descendants
            _r("sub", parent="slow"),  # a custom parent must exist first
        ],
        {},
    )
    waits = {t.urn: t.waits_for for t in tasks_of(plan)}
    assert "comp" not in waits and "inner" not in waits  # components take no time
    assert waits["child"] == () and waits["grandchild"] == ()
    assert waits["user"] == ("child", "grandchild", "prov")
    assert waits["sub"] == ("slow",)


def test_stack_reference_reads_are_not_waited_for() -> None:
    # A tenants stack's resources depend on its StackReference, which the engine reads and never
    # records: the schedule raised "not in the plan" (`mlinfra plan --part tenants --schedule`).
    read = "urn:pulumi:t::mlinfra::pulumi:pulumi:StackReference::platform"
    plan = Plan("t", [_r("user", deps=(read, "other")), _r("other")], {})
    waits = {t.urn: t.waits_for for t in tasks_of(plan)}
    assert waits["user"] == ("other",)
    assert schedule_plan(plan).total == 10  # "other" then "user", 5 s each (aws package default)
    # Near miss: an unknown URN of another type is still an error, not silently dropped.
    missing = Plan("t", [_r("user", deps=("urn:pulumi:t::mlinfra::aws:s3/bucket:Bucket::gone",))], {})
    with pytest.raises(ScheduleError, match="not in the plan"):
        schedule_plan(missing)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_recorded_plan_schedules(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    s = schedule_plan(plan)
    assert len(s.slots) == sum(1 for r in plan.resources if r.custom)
    names = [x.name for x in s.critical_path]
    assert names[-1] == max(s.slots.values(), key=lambda x: x.finish).name
    # Every step starts when the one before it finishes: a dependency chain, no gaps.
    for before, after in itertools.pairwise(s.critical_path):
        assert after.start == before.finish, (before.name, after.name)
    # Nothing beats the EKS control plane (10 min) after the VPC and its subnets.
    assert s.inherent_chain >= 600 + 5 + 10 and s.total >= s.inherent_chain
    assert s.slots[plan.get("aws:eks/cluster:Cluster", "cluster-eks").urn].start == 15


def _waits_transitively(plan: Plan) -> dict[str, set[str]]:
    tasks = {t.urn: t for t in tasks_of(plan)}
    closure: dict[str, set[str]] = {}

    def of(urn: str) -> set[str]:
        if urn not in closure:
            closure[urn] = set()
            for d in tasks[urn].waits_for:
                closure[urn] |= {d, *of(d)}
        return closure[urn]

    for urn in tasks:
        of(urn)
    return closure


# Charts with CRDs (and webhook configurations) only, no pods: they need the API server alone.
CRD_ONLY = ("mesh-base-release", "monitoring-crds-release")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_only_what_runs_pods_waits_for_nodes(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    waits = _waits_transitively(plan)
    nodes = plan.get("aws:eks/nodeGroup:NodeGroup", "cluster-system").urn
    api_only = (
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:ResourceQuota",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "aws:s3/bucket:Bucket",
        "aws:iam/role:Role",
        "aws:msk/cluster:Cluster",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    )
    for r in plan.resources:
        if r.type in api_only:
            assert nodes not in waits[r.urn], f"{r.type} {r.name} waits for the system nodes it does not use"
        if r.type in ("kubernetes:helm.sh/v3:Release", "kubernetes:apps/v1:Deployment") and r.name not in CRD_ONLY:
            assert nodes in waits[r.urn], f"{r.type} {r.name} runs pods but does not wait for nodes"
    # The MSK brokers need the network only: not the EKS control plane either.
    eks = plan.get("aws:eks/cluster:Cluster", "cluster-eks").urn
    for msk in plan.of_type("aws:msk/cluster:Cluster"):
        assert eks not in waits[msk.urn], f"{msk.name} waits for EKS"
    # Other node groups join beside the system nodes.
    for group in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert group.urn == nodes or nodes not in waits[group.urn], f"{group.name} waits for the system nodes"
