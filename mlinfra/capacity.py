"""Can each node pool, at its maximum size, hold the pods that must run on it? A pure function of the plan.

What must run: every platform workload (Helm releases: components/catalog/workloads.py says
which pods each chart runs and where its values set their requests; EKS add-ons; Strimzi's
brokers), and the Deployments the plan itself creates (model servers, with their Istio sidecar
in injected namespaces), at the replicas they start with. DaemonSets cost every node of every
pool they reach; the rest is placed on the untainted system pool, or for pods that ask for GPUs
on a GPU pool whose labels match their node selector. A pool fits when what it must hold is
within ``max_size`` nodes' allocatable (components/catalog/instances.py, the smallest of its
types) in CPU, memory and pod slots, and every single pod fits on one node beside the DaemonSets.
Fitting is necessary, not sufficient: bin-packing and autoscaling headroom come on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.catalog.gpu import GPU_TAINT_KEY, OPERATOR_DEPLOY_LABEL
from components.catalog.instances import ALLOCATABLE, Allocatable
from components.catalog.workloads import (
    CHART_WORKLOADS,
    EKS_ADDON_WORKLOADS,
    ISTIO_SIDECAR_DEFAULT,
    ISTIO_SIDECAR_VALUES_PATH,
    ChartWorkload,
    Placement,
    Requests,
)
from mlinfra.engine import Plan, PlannedResource
from stacks.errors import Problem

SYSTEM_LABEL = ("mlinfra.io/node-role", "system")
GPU_POOL_LABEL = "mlinfra.io/gpu-pool"
EFA_TEMPLATE_TAG = "k8s.io/cluster-autoscaler/node-template/resources/vpc.amazonaws.com/efa"
_UNITS = {"": 1 / 2**20, "Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 2**20, "k": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}


@dataclass(frozen=True)
class Workload:
    """``replicas`` pods of one workload (one per node for a DaemonSet), each requesting ``requests``."""

    source: str
    """The plan resource it comes from (a Helm release, an add-on, a Deployment)."""
    name: str
    placement: Placement
    requests: Requests
    """Per pod, all its containers of this entry."""
    replicas: int = 1
    takes_slot: bool = True
    """False for sidecar containers: they add requests to pods counted elsewhere."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    unrequested: bool = False
    """Nothing sets its requests: the scheduler would place it as if it needed nothing."""
    daemonset: bool = False
    """One pod on every node its placement reaches (else ``replicas`` pods on one pool)."""
    skipped_by: Mapping[str, str] = field(default_factory=dict)
    """Node labels that keep a DaemonSet off a pool (the GPU Operator's deploy labels)."""


@dataclass(frozen=True)
class Pool:
    name: str
    field: str
    """The stack-file setting of the pool, e.g. ``mlinfra:system_node_group``."""
    instance_type: str
    max_size: int
    labels: Mapping[str, str]
    gpu: bool
    efa: bool

    @property
    def node(self) -> Allocatable:
        return ALLOCATABLE[self.instance_type]


@dataclass(frozen=True)
class PoolCapacity:
    pool: Pool
    per_node: Requests
    """What the DaemonSets take on every node of the pool."""
    daemonset_pods: int
    placed: tuple[Workload, ...]
    requested: Requests
    pods: int
    problems: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        node = self.pool.node
        return {
            "pool": self.pool.name,
            "field": self.pool.field,
            "instance_type": self.pool.instance_type,
            "max_size": self.pool.max_size,
            "allocatable": {
                "cpu_millicores": node.cpu_millicores * self.pool.max_size,
                "memory_mib": node.memory_mib * self.pool.max_size,
                "pods": node.pods * self.pool.max_size,
            },
            "requested": {
                "cpu_millicores": self.requested.cpu_millicores,
                "memory_mib": self.requested.memory_mib,
                "pods": self.pods,
            },
            "daemonsets_per_node": {"cpu_millicores": self.per_node.cpu_millicores, "memory_mib": self.per_node.memory_mib},
            "workloads": sorted(f"{w.source}/{w.name} x{w.replicas}" for w in self.placed),
            "fits": self.fits,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class CapacityReport:
    pools: tuple[PoolCapacity, ...]
    unrequested: tuple[str, ...]
    """Workloads nothing sets requests for (source/name)."""

    def to_json(self) -> dict[str, Any]:
        return {"pools": [p.to_json() for p in self.pools], "unrequested": list(self.unrequested)}

    def problems(self, source: str) -> list[Problem]:
        """One problem per pool that cannot hold its pods, against the stack-file field to raise."""
        return [
            Problem(
                source,
                f"{p.pool.field}.max_size",
                "; ".join(p.problems) + f"; raise max_size, or choose a larger type in {p.pool.field}.instance_types",
            )
            for p in self.pools
            if not p.fits
        ]


# -- quantities ---------------------------------------------------------------------------
def cpu_millicores(value: Any) -> int:
    """A Kubernetes CPU quantity ("250m", "1", 0.5) in millicores."""
    text = str(value)
    return int(text[:-1]) if text.endswith("m") else round(float(text) * 1000)


def memory_mib(value: Any) -> int:
    """A Kubernetes memory quantity ("128Mi", "2Gi", "1G", bytes) in MiB, rounded up."""
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"not a memory quantity: {value!r}")
    return -int(-float(match.group(1)) * _UNITS[match.group(2)] // 1)


def requests_of(resources: Any) -> Requests | None:
    """The ``requests`` of a container's ``resources`` (limits stand in, as Kubernetes does); None if neither."""
    if not isinstance(resources, Mapping):
        return None
    asked = resources.get("requests") or resources.get("limits") or {}
    if "cpu" not in asked and "memory" not in asked:
        return None
    return Requests(cpu_millicores(asked.get("cpu", 0)), memory_mib(asked.get("memory", 0)))


def _get(values: Mapping[str, Any], path: str) -> Any:
    node: Any = values
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _add(a: Requests, b: Requests, times: int = 1) -> Requests:
    return Requests(a.cpu_millicores + b.cpu_millicores * times, a.memory_mib + b.memory_mib * times)


# -- what must run ------------------------------------------------------------------------
def _chart_workloads(release: PlannedResource) -> Iterator[Workload]:
    inputs = release.plain_inputs()
    values = inputs.get("values") or {}
    entries: tuple[ChartWorkload, ...] = CHART_WORKLOADS.get(str(inputs.get("chart")), ())
    for entry in entries:
        enabled = _get(values, entry.enabled) if entry.enabled else None
        if not (entry.default_enabled if enabled is None else bool(enabled)):
            continue
        requests = requests_of(_get(values, entry.resources)) or entry.chart_default
        replicas = _get(values, entry.replicas) if entry.replicas else None
        yield Workload(
            source=release.name,
            name=entry.name,
            placement=entry.placement,
            requests=Requests(0, 0) if requests is None else _add(Requests(0, 0), requests, entry.containers),
            replicas=int(replicas if replicas is not None else entry.default_replicas),
            takes_slot=not entry.sidecar,
            unrequested=requests is None,
            daemonset=entry.placement != "system",
            skipped_by={OPERATOR_DEPLOY_LABEL.format(operand=entry.operand): "false"} if entry.operand else {},
        )


def _addon_workloads(addon: PlannedResource) -> Iterator[Workload]:
    for entry in EKS_ADDON_WORKLOADS.get(str(addon.inputs.get("addonName")), ()):
        unrequested = entry.requests == Requests(0, 0)
        yield Workload(
            addon.name,
            entry.name,
            entry.placement,
            entry.requests,
            entry.replicas,
            unrequested=unrequested,
            daemonset=entry.placement != "system",
        )


def _pod_requests(pod: Mapping[str, Any]) -> tuple[Requests, bool]:
    total, unrequested = Requests(0, 0), False
    for container in pod.get("containers", []):
        asked = requests_of(container.get("resources"))
        unrequested |= asked is None
        total = _add(total, asked or Requests(0, 0))
    return total, unrequested


def _wants_gpu(pod: Mapping[str, Any]) -> bool:
    asked = [
        c.get("resources", {}).get("requests", {}) or c.get("resources", {}).get("limits", {}) for c in pod.get("containers", [])
    ]
    return any(GPU_TAINT_KEY in a for a in asked) or any(t.get("key") == GPU_TAINT_KEY for t in pod.get("tolerations") or [])


def _deployment_workload(deployment: PlannedResource, injected: set[str], sidecar: Requests) -> Workload:
    inputs = deployment.plain_inputs()
    spec = inputs.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    requests, unrequested = _pod_requests(pod)
    if inputs.get("metadata", {}).get("namespace") in injected:
        requests = _add(requests, sidecar)
    return Workload(
        source=deployment.name,
        name=str(inputs.get("metadata", {}).get("name", deployment.name)),
        placement="gpu-nodes" if _wants_gpu(pod) else "system",
        requests=requests,
        replicas=int(spec.get("replicas", 1)),
        node_selector=dict(pod.get("nodeSelector") or {}),
        unrequested=unrequested,
    )


def _strimzi_workloads(resource: PlannedResource) -> Iterator[Workload]:
    spec = resource.plain_inputs().get("spec", {})
    if resource.type.endswith(":KafkaNodePool"):
        asked = requests_of(spec.get("resources"))
        replicas = int(spec.get("replicas", 1))
        yield Workload(resource.name, "kafka-broker", "system", asked or Requests(0, 0), replicas, unrequested=asked is None)
        return
    entity = spec.get("entityOperator") or {}
    parts = {f"entity-{k}": entity[k] for k in ("topicOperator", "userOperator") if k in entity}
    parts |= {k: spec[k] for k in ("kafkaExporter", "cruiseControl") if k in spec}
    for name, part in parts.items():
        asked = requests_of(part.get("resources"))
        # The entity operator's two containers share one pod.
        slot = not (name == "entity-userOperator" and "entity-topicOperator" in parts)
        yield Workload(resource.name, name, "system", asked or Requests(0, 0), takes_slot=slot, unrequested=asked is None)


def workloads(plan: Plan) -> list[Workload]:
    """Every workload of the plan that needs a node."""
    found: list[Workload] = []
    sidecar = ISTIO_SIDECAR_DEFAULT
    for release in plan.of_type("kubernetes:helm.sh/v3:Release"):
        found += _chart_workloads(release)
        if release.inputs.get("chart") == "istiod":
            sidecar = requests_of(_get(release.plain_inputs().get("values") or {}, ISTIO_SIDECAR_VALUES_PATH)) or sidecar
    for addon in plan.of_type("aws:eks/addon:Addon"):
        found += _addon_workloads(addon)
    injected = {
        str(ns.inputs.get("metadata", {}).get("name"))
        for ns in plan.of_type("kubernetes:core/v1:Namespace")
        if (ns.inputs.get("metadata", {}).get("labels") or {}).get("istio-injection") == "enabled"
    }
    for kind in ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"):
        found += [_deployment_workload(d, injected, sidecar) for d in plan.of_type(kind)]
    for kind in ("kubernetes:kafka.strimzi.io/v1:Kafka", "kubernetes:kafka.strimzi.io/v1:KafkaNodePool"):
        for resource in plan.of_type(kind):
            found += _strimzi_workloads(resource)
    return found


# -- where it runs ------------------------------------------------------------------------
def pools(plan: Plan) -> list[Pool]:
    """The plan's managed node groups: the system pool first, then the GPU pools in plan order."""
    found: list[Pool] = []
    for group in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        inputs = group.plain_inputs()
        labels = dict(inputs.get("labels") or {})
        types = [t for t in inputs.get("instanceTypes") or [] if t in ALLOCATABLE]
        if not types:
            continue
        # The smallest type the group may launch: the capacity it can count on.
        smallest = min(types, key=lambda t: (ALLOCATABLE[t].cpu_millicores, ALLOCATABLE[t].memory_mib))
        if labels.get(SYSTEM_LABEL[0]) == SYSTEM_LABEL[1]:
            name, setting, gpu = "system", "mlinfra:system_node_group", False
        elif GPU_POOL_LABEL in labels:
            name, gpu = labels[GPU_POOL_LABEL], True
            setting = f"mlinfra:gpu_node_groups.{name}"
        else:
            continue
        efa = EFA_TEMPLATE_TAG in (inputs.get("tags") or {})
        max_size = int(inputs["scalingConfig"]["maxSize"])
        found.append(Pool(name, setting, smallest, max_size, labels, gpu, efa))
    return sorted(found, key=lambda p: p.gpu)


def _reaches(workload: Workload, pool: Pool) -> bool:
    """Whether a DaemonSet's pods run on every node of the pool."""
    if any(pool.labels.get(key) == value for key, value in workload.skipped_by.items()):
        return False
    return {
        "every-node": True,
        "gpu-nodes": pool.gpu,
        "efa-nodes": pool.efa,
    }.get(workload.placement, False)


def _home(workload: Workload, candidates: list[Pool]) -> Pool | None:
    """The pool a non-DaemonSet pod lands on: the system pool, or the first GPU pool its selector matches."""
    for pool in candidates:
        if pool.gpu != (workload.placement == "gpu-nodes"):
            continue
        if all(pool.labels.get(k) == v for k, v in workload.node_selector.items()):
            return pool
    return None


def _judge(pool: Pool, daemonsets: list[Workload], placed: list[Workload]) -> PoolCapacity:
    node, nodes = pool.node, pool.max_size
    per_node = Requests(0, 0)
    for ds in daemonsets:
        per_node = _add(per_node, ds.requests)
    ds_slots = sum(ds.takes_slot for ds in daemonsets)
    requested = Requests(per_node.cpu_millicores * nodes, per_node.memory_mib * nodes)
    for w in placed:
        requested = _add(requested, w.requests, w.replicas)
    pods = ds_slots * nodes + sum(w.replicas for w in placed if w.takes_slot)
    where = f"pool {pool.name!r} ({nodes} x {pool.instance_type})"
    problems = []
    for what, asked, offered, unit in (
        ("CPU", requested.cpu_millicores, node.cpu_millicores * nodes, "m"),
        ("memory", requested.memory_mib, node.memory_mib * nodes, "Mi"),
        ("pods", pods, node.pods * nodes, ""),
    ):
        if asked > offered:
            problems.append(
                f"{where} cannot hold what must run on it: {what} requested {asked}{unit} of {offered}{unit} allocatable"
            )
    free = Requests(node.cpu_millicores - per_node.cpu_millicores, node.memory_mib - per_node.memory_mib)
    for w in placed:
        if w.requests.cpu_millicores > free.cpu_millicores or w.requests.memory_mib > free.memory_mib:
            problems.append(f"{w.source}/{w.name} requests more than one {pool.instance_type} node offers beside its DaemonSets")
    return PoolCapacity(pool, per_node, ds_slots, tuple(placed), requested, pods, tuple(problems))


def capacity(plan: Plan) -> CapacityReport:
    """Requested vs allocatable for every pool of the plan at its maximum size."""
    found, candidates = workloads(plan), pools(plan)
    placed: dict[str, list[Workload]] = {p.name: [] for p in candidates}
    for w in found:
        if not w.daemonset:
            home = _home(w, candidates)
            if home is not None:
                placed[home.name].append(w)
    judged = tuple(
        _judge(pool, [w for w in found if w.daemonset and _reaches(w, pool)], placed[pool.name]) for pool in candidates
    )
    unrequested = tuple(sorted({f"{w.source}/{w.name}" for w in found if w.unrequested}))
    return CapacityReport(judged, unrequested)
