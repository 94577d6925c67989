"""Does a team's ResourceQuota hold what its serving endpoints may scale to?

The most an endpoint runs is its autoscaling maximum (or its fixed replicas) plus the canary's
replicas; each pod requests the server's cpu/memory plus the Istio sidecar's, and the copy of
the model (an init container) runs beside the sidecar before the server starts. A quota below
that stops the HPA silently (the ReplicaSet reports FailedCreate "exceeded quota") exactly when
load is highest. Staging and prod: an error naming the team file and field (the HPA maximum is a
capacity promise); dev: a warning (dev quotas are kept small on purpose and a dev endpoint that
stops short of its maximum harms nobody).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from stacks.errors import Problem
from stacks.serving_settings import ServingEndpoint

if TYPE_CHECKING:
    from stacks.team_model import TeamSettings

# The Istio sidecar's requests: global.proxy.resources.requests of the istiod chart
# (istio/istio manifests/charts/istio-control/istio-discovery/values.yaml), which
# templates/helm/istiod.yaml.j2 does not override.
SIDECAR_CPU_MILLIS = 100
SIDECAR_MEMORY_MIB = 128
# The model copy's requests (components/mesh/_model_pod.py, init container fetch-model).
FETCH_CPU_MILLIS = 250
FETCH_MEMORY_MIB = 256
_MEMORY_UNIT_MIB = {"Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}


def cpu_millis(quantity: str) -> int:
    """A CPU quantity as the team files allow it ("16", "0.5", "500m") in millicores."""
    if quantity.endswith("m"):
        return int(quantity[:-1])
    return int(Decimal(quantity) * 1000)


def memory_mib(quantity: str) -> int:
    """A memory quantity as the team files allow it ("512Mi", "64Gi", "1Ti") in MiB."""
    return int(quantity[:-2]) * _MEMORY_UNIT_MIB[quantity[-2:]]


def endpoint_demand(ep: ServingEndpoint) -> tuple[int, int, int]:
    """(millicores, MiB, pods) the endpoint may request at most, sidecars included."""
    pods = (ep.autoscaling.max if ep.autoscaling else ep.stable.replicas) + (ep.canary.replicas if ep.canary else 0)
    cpu = SIDECAR_CPU_MILLIS + max(cpu_millis(ep.cpu), FETCH_CPU_MILLIS)
    memory = SIDECAR_MEMORY_MIB + max(memory_mib(ep.memory), FETCH_MEMORY_MIB)
    return pods * cpu, pods * memory, pods


def _cpu_text(millis: int) -> str:
    return f"{millis / 1000:g}"


def serving_quota_problems(
    teams: Iterable[tuple[str, Mapping[str, ServingEndpoint], str, str, int]], environment: str
) -> list[Problem]:
    """``(source, endpoints, cpu quota, memory quota, pods quota)`` per team: one Problem per
    quota field the endpoints together may exceed, at ``<environment>.quota.<field>``."""
    problems = []
    for source, endpoints, cpu_quota, memory_quota, max_pods in teams:
        if not endpoints:
            continue
        demand = [endpoint_demand(ep) for ep in endpoints.values()]
        cpu, memory, pods = (sum(d[i] for d in demand) for i in range(3))
        names = ", ".join(sorted(endpoints))
        why = f"the serving endpoints ({names}) may run {pods} pods at their autoscaling maximum with the canary"
        hint = "raise it or lower serving.<endpoint>.autoscaling.max; beyond it the HPA stops scaling ('exceeded quota')"
        quota = f"{environment}.quota"
        if cpu > cpu_millis(cpu_quota):
            need = f"{_cpu_text(cpu)} CPU (cpu + {SIDECAR_CPU_MILLIS}m Istio sidecar per pod)"
            problems.append(Problem(source, f"{quota}.cpu", f"{why}, requesting {need}, but {quota}.cpu is {cpu_quota}: {hint}"))
        if memory > memory_mib(memory_quota):
            need = f"{memory}Mi (memory + {SIDECAR_MEMORY_MIB}Mi Istio sidecar per pod)"
            problems.append(
                Problem(source, f"{quota}.memory", f"{why}, requesting {need}, but {quota}.memory is {memory_quota}: {hint}")
            )
        if pods > max_pods:
            problems.append(Problem(source, f"{quota}.pods", f"{why}, but {quota}.pods is {max_pods}: {hint}"))
    return problems


def team_serving_quota_problems(teams: Sequence[TeamSettings], environment: str) -> list[Problem]:
    """``serving_quota_problems`` of the teams as one environment sees them."""
    return serving_quota_problems(
        ((t.source, dict(t.spec.serving) if t.spec else {}, t.cpu_quota, t.memory_quota, t.max_pods) for t in teams),
        environment,
    )
