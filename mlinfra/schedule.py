"""How long `pulumi up` of a fresh stack would take, from the plan's dependency graph.

Pulumi's semantics, as modelled here: a resource's create starts once everything it depends
on exists: its ``dependencies`` (explicit ``depends_on`` and the resources behind its
inputs, which the SDK already expands from components to their children), its provider,
and a custom-resource parent. Component resources make no cloud call and take no time; a
child never waits for what its component waits for unless it says so itself. Creation
times come from components/catalog/create_times.py; ``parallel`` caps how many creates run
at once (None: unbounded, the `pulumi up` default), ready resources taking free slots in
the order they became ready (then by URN, so the result is deterministic).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.catalog.create_times import DEFAULT_PARALLEL, create_time
from mlinfra.plan import Plan, PlannedResource

# The chain every stack of this platform waits for, whatever else it holds: the network,
# the EKS control plane, the EKS add-ons the nodes need and the system nodes, then the
# add-ons that run on them (CoreDNS, EBS CSI). Their finish is the floor of any schedule.
INHERENT_CHAIN_TYPES = ("aws:eks/cluster:Cluster", "aws:eks/addon:Addon")


class ScheduleError(Exception):
    """The graph cannot be scheduled (a cycle, or a dependency on an unknown resource)."""


@dataclass(frozen=True)
class Task:
    """One resource to create: how long it takes and what it waits for."""

    urn: str
    type: str
    name: str
    seconds: float
    waits_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    """When one resource is created in the simulated `pulumi up`."""

    urn: str
    type: str
    name: str
    start: float
    seconds: float

    @property
    def finish(self) -> float:
        return self.start + self.seconds


@dataclass(frozen=True)
class Schedule:
    """The simulated `pulumi up`: every create, the total, and the chain that sets it."""

    slots: Mapping[str, Slot]
    total: float
    critical_path: tuple[Slot, ...]
    parallel: int | None
    inherent_chain: float
    """When the inherent chain (network -> EKS -> system nodes -> EKS add-ons) is done."""

    @property
    def ratio(self) -> float:
        """The estimate over the inherent chain: 1.0 means nothing else makes `pulumi up` longer."""
        return self.total / self.inherent_chain if self.inherent_chain else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "estimate_seconds": round(self.total, 1),
            "parallel": self.parallel if self.parallel is not None else "unbounded",
            "inherent_chain_seconds": round(self.inherent_chain, 1),
            "ratio_to_inherent_chain": round(self.ratio, 3),
            "critical_path": [
                {"urn": s.urn, "type": s.type, "name": s.name, "start": s.start, "seconds": s.seconds, "finish": s.finish}
                for s in self.critical_path
            ],
        }


# Resources the engine reads rather than creates: the mock monitor records registrations only,
# so they are not in the plan, and their outputs exist before the program goes on (nothing waits).
READ_TYPES = ("pulumi:pulumi:StackReference",)


def is_read(urn: str) -> bool:
    """Whether ``urn`` names a resource the program reads (a StackReference), never creates."""
    parts = urn.split("::")
    return len(parts) > 2 and parts[2].rsplit("$", 1)[-1] in READ_TYPES


def _strip_id(provider_ref: str) -> str:
    # Provider references are "<urn>::<id>".
    return provider_ref.rsplit("::", 1)[0] if provider_ref else ""


def _refs_of(r: PlannedResource, by_urn: Mapping[str, PlannedResource]) -> set[str]:
    """What ``r``'s create waits for: dependencies, property dependencies, provider, custom parent."""
    refs = set(r.dependencies)
    for deps in r.property_dependencies.values():
        refs.update(deps)
    if r.provider:
        refs.add(_strip_id(r.provider))
    if r.parent in by_urn and by_urn[r.parent].custom:
        refs.add(r.parent)
    return {ref for ref in refs if ref in by_urn or not is_read(ref)}


def tasks_of(plan: Plan, seconds_of: Callable[[str], float] = lambda t: create_time(t).seconds) -> list[Task]:
    """The plan's custom resources as tasks; edges to components become edges to their custom descendants."""
    by_urn = {r.urn: r for r in plan.resources}
    children: dict[str, list[str]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r.urn)

    def custom_under(urn: str) -> list[str]:
        found, stack = [], list(children.get(urn, []))
        while stack:
            u = stack.pop()
            if by_urn[u].custom:
                found.append(u)
            stack.extend(children.get(u, []))
        return found

    tasks = []
    for r in plan.resources:
        if not r.custom:
            continue
        waits: set[str] = set()
        for ref in _refs_of(r, by_urn):
            if ref in by_urn and not by_urn[ref].custom:
                waits.update(custom_under(ref))
            elif ref != r.urn:
                waits.add(ref)
        tasks.append(Task(r.urn, r.type, r.name, seconds_of(r.type), tuple(sorted(waits))))
    return tasks


def simulate(
    tasks: Sequence[Task], parallel: int | None = DEFAULT_PARALLEL, chain_types: Iterable[str] = INHERENT_CHAIN_TYPES
) -> Schedule:
    """List-schedule ``tasks`` with at most ``parallel`` creates at once (None: unbounded)."""
    if parallel is not None and parallel < 1:
        raise ScheduleError(f"parallel must be at least 1 (or None for unbounded), got {parallel}")
    by_urn = {t.urn: t for t in tasks}
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = {}
    for t in tasks:
        unknown = [d for d in t.waits_for if d not in by_urn]
        if unknown:
            raise ScheduleError(f"{t.urn} depends on {unknown[0]}, which is not in the plan")
        waiting[t.urn] = len(t.waits_for)
        for d in t.waits_for:
            dependents.setdefault(d, []).append(t.urn)

    ready: list[tuple[float, str]] = [(0.0, u) for u, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []  # (finish, urn)
    slots: dict[str, Slot] = {}
    now = 0.0
    while ready or running:
        # Start whatever is ready now, while slots are free (FIFO by ready time, then URN).
        while ready and ready[0][0] <= now and (parallel is None or len(running) < parallel):
            _, urn = heapq.heappop(ready)
            t = by_urn[urn]
            slots[urn] = Slot(urn, t.type, t.name, now, t.seconds)
            heapq.heappush(running, (now + t.seconds, urn))
        if not running:
            now = ready[0][0]
            continue
        # Advance to the next finish and release what waited only for it (and its peers).
        now = running[0][0]
        while running and running[0][0] <= now:
            _, done = heapq.heappop(running)
            for dep in dependents.get(done, []):
                waiting[dep] -= 1
                if waiting[dep] == 0:
                    heapq.heappush(ready, (now, dep))
    if len(slots) != len(tasks):
        stuck = sorted(u for u in by_urn if u not in slots)
        raise ScheduleError(f"dependency cycle: {len(stuck)} resources never become ready, e.g. {stuck[0]}")

    total = max((s.finish for s in slots.values()), default=0.0)
    chain_set = set(chain_types)
    chain = max((s.finish for s in slots.values() if s.type in chain_set), default=0.0)
    return Schedule(slots, total, _critical_path(slots, by_urn), parallel, chain)


def _critical_path(slots: Mapping[str, Slot], tasks: Mapping[str, Task]) -> tuple[Slot, ...]:
    """From the last create back: each step the dependency that finished last (ties: by URN)."""
    if not slots:
        return ()
    current = max(slots.values(), key=lambda s: (s.finish, s.urn))
    path = [current]
    while tasks[current.urn].waits_for:
        current = max((slots[d] for d in tasks[current.urn].waits_for), key=lambda s: (s.finish, s.urn))
        path.append(current)
    return tuple(reversed(path))


def schedule_plan(plan: Plan, parallel: int | None = DEFAULT_PARALLEL) -> Schedule:
    """The estimated `pulumi up` of ``plan`` into an empty stack."""
    return simulate(tasks_of(plan), parallel)
