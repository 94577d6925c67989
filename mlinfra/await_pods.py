"""Pods and node pools as the await model (mlinfra/awaits.py) sees them: pure reads of the Plan.

A pool admits a pod when the pod's nodeSelector matches the pool's labels (its own, plus the
labels EKS puts on every managed node) and the pod tolerates each NoSchedule/NoExecute taint
of the pool, the Kubernetes rules
(https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/). A pod that
requests GPUs also needs a pool of GPU instances holding as many GPUs per node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.catalog.awaits import GPU_RESOURCE
from components.catalog.gpu import NVIDIA_AMI_TYPES, gpu_instance_type
from mlinfra.engine import Plan, PlannedResource, redact_secrets

NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup"
POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
# The EKS API spells taint effects NO_SCHEDULE...; Kubernetes spells them NoSchedule...
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
_HARD_EFFECTS = frozenset({"NoSchedule", "NoExecute"})


@dataclass(frozen=True)
class Pool:
    """One EKS managed node group: what its nodes carry and how many exist on a first deploy."""

    urn: str
    name: str
    labels: Mapping[str, str]
    taints: tuple[tuple[str, str, str], ...]
    """(key, value, effect in Kubernetes spelling)."""
    desired: int
    """Nodes right after the create (scalingConfig.desiredSize)."""
    gpus_per_node: int
    """GPUs on the smallest instance type of the pool; 0 for a CPU pool."""


def inputs_of(r: PlannedResource) -> dict[str, Any]:
    """``r``'s inputs with secrets as "[secret]": a secret never reaches a message or the JSON."""
    inputs = redact_secrets(r.inputs)
    return inputs if isinstance(inputs, dict) else {}


def pools_of(plan: Plan) -> list[Pool]:
    return [_pool(r) for r in plan.of_type(NODE_GROUP_TYPE)]


def _pool(r: PlannedResource) -> Pool:
    inputs = inputs_of(r)
    labels = {str(k): str(v) for k, v in (inputs.get("labels") or {}).items()}
    # Labels EKS sets on every node of a managed node group (well-known, selectable).
    if isinstance(inputs.get("nodeGroupName"), str):
        labels.setdefault("eks.amazonaws.com/nodegroup", inputs["nodeGroupName"])
    if isinstance(inputs.get("capacityType"), str):
        labels.setdefault("eks.amazonaws.com/capacityType", inputs["capacityType"])
    types = [t for t in inputs.get("instanceTypes") or [] if isinstance(t, str)]
    if len(types) == 1:
        labels.setdefault("node.kubernetes.io/instance-type", types[0])
    taints = tuple(
        (str(t.get("key", "")), str(t.get("value", "")), _EFFECTS.get(str(t.get("effect")), str(t.get("effect"))))
        for t in inputs.get("taints") or []
    )
    gpu_types = [gpu_instance_type(t) for t in types]
    gpus = min((g.gpus for g in gpu_types if g is not None), default=0)
    if any(g is None for g in gpu_types) or inputs.get("amiType") not in NVIDIA_AMI_TYPES:
        gpus = 0  # a pool mixing CPU types, or without the NVIDIA driver, offers no GPU
    desired = int((inputs.get("scalingConfig") or {}).get("desiredSize") or 0)
    return Pool(r.urn, r.name, labels, taints, desired, gpus)


def pod_spec(r: PlannedResource) -> dict[str, Any] | None:
    """The pod spec a workload runs: the Pod's own, or its template's."""
    inputs = inputs_of(r)
    kind = inputs.get("kind")
    spec: dict[str, Any] = inputs["spec"] if isinstance(inputs.get("spec"), dict) else {}
    if kind == "Pod":
        return spec
    if kind in POD_TEMPLATE_KINDS:
        template = spec.get("template") or {}
        return template.get("spec") if isinstance(template.get("spec"), dict) else None
    return None


def template_labels(r: PlannedResource) -> dict[str, str]:
    inputs = inputs_of(r)
    if inputs.get("kind") == "Pod":
        meta = inputs.get("metadata") or {}
    else:
        meta = ((inputs.get("spec") or {}).get("template") or {}).get("metadata") or {}
    return {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}


def containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("initContainers", "containers"):
        yield from (c for c in spec.get(key) or [] if isinstance(c, dict))


def gpus_requested(spec: Mapping[str, Any]) -> int:
    """nvidia.com/gpu one pod asks for (the largest request or limit of a container)."""
    asked = 0
    for c in containers(spec):
        resources = c.get("resources") or {}
        for part in ("limits", "requests"):
            value = (resources.get(part) or {}).get(GPU_RESOURCE)
            if value is not None:
                asked = max(asked, int(float(str(value))))
    return asked


def _tolerates(toleration: Mapping[str, Any], taint: tuple[str, str, str]) -> bool:
    key, value, effect = taint
    if toleration.get("effect") and toleration["effect"] != effect:
        return False
    if toleration.get("operator") == "Exists":
        return not toleration.get("key") or toleration["key"] == key
    return toleration.get("key") == key and str(toleration.get("value", "")) == value


def refusal(pool: Pool, spec: Mapping[str, Any]) -> str | None:
    """Why ``pool`` cannot run a pod of ``spec`` (None: it admits it)."""
    for key, want in (spec.get("nodeSelector") or {}).items():
        if pool.labels.get(key) != str(want):
            return f"nodeSelector {key}={want} (pool {pool.name} has {key}={pool.labels.get(key, '<unset>')})"
    tolerations = [t for t in spec.get("tolerations") or [] if isinstance(t, dict)]
    for taint in pool.taints:
        if taint[2] in _HARD_EFFECTS and not any(_tolerates(t, taint) for t in tolerations):
            return f"taint {taint[0]}={taint[1]}:{taint[2]} of pool {pool.name} is not tolerated"
    gpus = gpus_requested(spec)
    if gpus > pool.gpus_per_node:
        return f"{gpus} {GPU_RESOURCE} per pod, pool {pool.name} has {pool.gpus_per_node} per node"
    return None
