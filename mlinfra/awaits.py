"""The await model: what `pulumi up` waits for after each create, and whether a first deploy of
the plan provides it. Pure over the Plan; the facts (conditions, timeouts, sources) live in
components/catalog/awaits.py.

For every resource the provider waits on, the model records its condition and timeout and
checks what the condition needs on a fresh stack:

- pods (Deployments, StatefulSets, DaemonSets, Jobs, Pods, Helm releases, EKS add-ons that run
  Deployments): a node pool that admits them (nodeSelector, taints, GPUs) ordered before them
  (among their transitive dependencies, as mlinfra/schedule.py computes them) and starting with
  at least one node; GPU pods also the release that runs the NVIDIA device plugin;
- a LoadBalancer Service (or a chart that renders one): the AWS Load Balancer Controller release
  among its dependencies;
- a custom resource: the release that installs its CRD among its dependencies (the provider
  retries an unknown kind for 31 s only, whether or not it awaits the object);
- data and secrets the plan does not create are prerequisites *outside the plan*, listed, not
  failures; they block an await only when they cannot exist on a first deploy (data in a bucket
  the plan itself creates; a Secret in a namespace the plan itself creates).

A Kubernetes object annotated ``pulumi.com/skipAwait: "true"`` is not awaited: its create returns
once the API server accepts it, so nothing about its pods can hold `pulumi up` up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.catalog import awaits as facts
from mlinfra import await_checks as checks
from mlinfra.await_checks import Context, Problem
from mlinfra.await_pods import inputs_of
from mlinfra.engine import Plan, PlannedResource
from mlinfra.schedule import is_read
from mlinfra.split import SplitPlans, plan_split


@dataclass(frozen=True)
class Await:
    """One resource `pulumi up` waits on after creating it, and whether a first deploy finishes it."""

    urn: str
    type: str
    name: str
    condition: str
    timeout_seconds: int
    source: str
    awaited: bool
    """False when ``pulumi.com/skipAwait`` (or a Release's ``skipAwait``) turns the wait off."""
    problems: tuple[Problem, ...] = ()
    """Why the create cannot finish on a first deploy (empty: it can)."""
    outside: tuple[str, ...] = ()
    """Prerequisites outside the plan (data, secrets): listed, not failures by themselves."""

    @property
    def finishes(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "condition": self.condition,
            "timeout_seconds": self.timeout_seconds,
            "awaited": self.awaited,
            "finishes": self.finishes,
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
            "outside_plan": list(self.outside),
            "source": self.source,
        }


def awaits_of(plan: Plan, *, deployed: Plan | None = None) -> dict[str, Await]:
    """Every resource of ``plan`` the engine waits on after its create, by URN (plan order).

    ``deployed``: the stack deployed before this one, for a tenants stack its platform stack
    (its node pools, releases and Secrets exist before anything of ``plan``)."""
    ctx = Context(plan, deployed)
    found = {}
    for r in plan.resources:
        entry = _await_of(r, ctx)
        if entry is not None:
            found[r.urn] = entry
    return found


def awaits_for_cli(
    plan: Plan, halves: SplitPlans | None, *, stack: str, stack_file: Path | None, teams_dir: Path | None
) -> dict[str, Await]:
    """``awaits_of`` for `mlinfra plan --schedule`: a tenants stack (``--part tenants``: ``halves``,
    or a tenants stack file: planned here) is judged on its platform stack's plan, the nodes and
    operators it deploys onto."""
    deployed = None
    if halves is not None:
        deployed = halves.platform if plan is halves.tenants else None
    elif reads_stack_reference(plan):
        deployed = plan_split(stack, stack_file=stack_file, teams_dir=teams_dir).platform
    return awaits_of(plan, deployed=deployed)


def reads_stack_reference(plan: Plan) -> bool:
    """Whether ``plan`` reads another stack's outputs (a tenants stack): its awaits need that stack's plan."""
    return any(is_read(d) for r in plan.resources for d in r.dependencies)


def cannot_finish(awaits: Mapping[str, Await]) -> list[Await]:
    return [a for a in awaits.values() if not a.finishes]


def _await_of(r: PlannedResource, ctx: Context) -> Await | None:
    if r.type in facts.KUBERNETES_AWAITS:
        return _kubernetes(r, facts.KUBERNETES_AWAITS[r.type], ctx)
    if r.type == facts.HELM_RELEASE_TYPE:
        return _release(r, ctx)
    if r.type in facts.AWS_AWAITS:
        fact = facts.AWS_AWAITS[r.type]
        problems = checks.addon_problems(r, ctx) if r.type == "aws:eks/addon:Addon" else []
        return _entry(r, fact, fact.condition, fact.timeout_seconds, True, problems)
    if checks.is_custom_resource(r.type):
        return _custom(r, ctx)
    return None


def _entry(
    r: PlannedResource,
    fact: facts.AwaitFact,
    condition: str,
    timeout: int,
    awaited: bool,
    problems: list[Problem],
    outside: Sequence[str] = (),
) -> Await:
    return Await(r.urn, r.type, r.name, condition, timeout, fact.source, awaited, tuple(problems), tuple(dict.fromkeys(outside)))


def _annotations(r: PlannedResource) -> dict[str, str]:
    meta = inputs_of(r).get("metadata") or {}
    return {str(k): str(v) for k, v in (meta.get("annotations") or {}).items()}


def _timeout(annotations: Mapping[str, str], default: int) -> int:
    # overrides.go TimeoutDuration: an unparsable annotation is ignored (strconv.Atoi error).
    value = annotations.get(facts.TIMEOUT_ANNOTATION, "")
    return int(value) if value.isdigit() else default


def _kubernetes(r: PlannedResource, fact: facts.AwaitFact, ctx: Context) -> Await:
    annotations = _annotations(r)
    awaited = annotations.get(facts.SKIP_AWAIT_ANNOTATION) != "true"
    condition = fact.condition
    if facts.WAIT_FOR_ANNOTATION in annotations:
        condition = f"{facts.WAIT_FOR_ANNOTATION}: {annotations[facts.WAIT_FOR_ANNOTATION]}"
    outside = ctx.prerequisites(r).outside
    problems: list[Problem] = []
    if awaited:
        problems = checks.workload_problems(r, ctx) + checks.service_problems(r, ctx)
    return _entry(r, fact, condition, _timeout(annotations, fact.timeout_seconds), awaited, problems, outside)


def _release(r: PlannedResource, ctx: Context) -> Await:
    inputs = inputs_of(r)
    fact = facts.HELM_RELEASE_AWAIT
    awaited = not inputs.get("skipAwait")
    condition = fact.condition + (facts.HELM_JOBS_CONDITION if inputs.get("waitForJobs") else "")
    timeout = int(inputs.get("timeout") or facts.HELM_DEFAULT_TIMEOUT_SECONDS)
    problems = checks.release_problems(r, ctx) if awaited else []
    return _entry(r, fact, condition, timeout, awaited, problems)


def _custom(r: PlannedResource, ctx: Context) -> Await:
    fact = facts.CUSTOM_RESOURCE_AWAIT
    annotations = _annotations(r)
    wait_for = annotations.get(facts.WAIT_FOR_ANNOTATION)
    awaited = wait_for is not None and annotations.get(facts.SKIP_AWAIT_ANNOTATION) != "true"
    condition = f"{facts.WAIT_FOR_ANNOTATION}: {wait_for}" if awaited else fact.condition
    timeout = _timeout(annotations, facts.GENERIC_TIMEOUT_SECONDS) if awaited else fact.timeout_seconds
    # The CRD must exist for the create itself, awaited or not.
    return _entry(r, fact, condition, timeout, awaited, checks.crd_problems(r, ctx), checks.gateway_tls_outside(r, ctx))


def schedule_json(schedule_doc: dict[str, Any], awaits: Mapping[str, Await]) -> dict[str, Any]:
    """The schedule's JSON with each critical-path step's await beside it, and every await."""
    doc = dict(schedule_doc)
    steps = []
    for step in doc.get("critical_path", []):
        entry = awaits.get(step["urn"])
        if entry is not None:
            step = {**step, "await": {k: entry.to_json()[k] for k in ("condition", "timeout_seconds", "awaited", "finishes")}}
        steps.append(step)
    doc["critical_path"] = steps
    doc["awaits"] = [a.to_json() for a in sorted(awaits.values(), key=lambda a: a.urn)]
    doc["awaits_cannot_finish"] = sorted(a.urn for a in cannot_finish(awaits))
    return doc
