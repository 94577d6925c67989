"""Pure validation of a GPU pool, shared by stacks/gpu_settings.py and components/gpu/gpu_nodes.py.

``pool_problems`` returns ``(field, message)`` pairs; the settings report them as
``mlinfra:gpu_node_groups.<pool>.<field>`` with the file name, the Args raise them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from components.catalog.gpu import GPU_FAMILIES, GPU_INSTANCE_TYPES, GpuInstanceType, regions_offering
from components.validation import node_group_size_problems

CapacityType = Literal["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"]
CAPACITY_TYPES: tuple[str, ...] = get_args(CapacityType)

# Labels and label prefixes the platform sets on every GPU node; a pool may not override them.
RESERVED_LABEL_KEYS = ("accelerator", "k8s.amazonaws.com/accelerator")
RESERVED_LABEL_PREFIXES = ("mlinfra.io/", "nvidia.com/", "kubernetes.io/", "k8s.io/", "eks.amazonaws.com/")
_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
# A label is also a tag key (node-template/label/<key>); AWS tag keys hold 128 characters.
MAX_LABEL_KEY = 128 - len("k8s.io/cluster-autoscaler/node-template/label/")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")


def gpu_type_problem(name: str) -> str | None:
    if name not in GPU_INSTANCE_TYPES:
        return (
            f"{name!r} is not a GPU instance type this toolkit knows; allowed families: "
            f"{', '.join(GPU_FAMILIES)} (see components/catalog/gpu.py)"
        )
    return None


def label_problem(key: str, value: str) -> str | None:
    if key in RESERVED_LABEL_KEYS or key.startswith(RESERVED_LABEL_PREFIXES):
        return f"label {key!r} is reserved (set by the platform); reserved: {', '.join(RESERVED_LABEL_KEYS + RESERVED_LABEL_PREFIXES)}"
    if len(key) > MAX_LABEL_KEY:
        return f"label key {key!r} is longer than {MAX_LABEL_KEY} characters"
    if not _LABEL_KEY.fullmatch(key):
        return (
            f"label key {key!r} is not a valid Kubernetes label key: an optional DNS prefix and '/', then a name of "
            "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        )
    if not _LABEL_VALUE.fullmatch(value):
        return (
            f"label {key!r}: value {value!r} is not a valid Kubernetes label value: at most 63 letters, digits, "
            "'-', '_' and '.', starting and ending with a letter or digit (or empty)"
        )
    return None


def pool_problems(
    *,
    instance_types: Sequence[str],
    min_size: int,
    desired_size: int,
    max_size: int,
    capacity_type: str,
    capacity_reservation_id: str | None,
    efa: bool,
    labels: Mapping[str, str],
    region: str | None = None,
) -> list[tuple[str, str]]:
    """Every problem of one pool; ``region`` None skips the offered-in-region check."""
    problems = [(f"instance_types[{i}]", p) for i, name in enumerate(instance_types) if (p := gpu_type_problem(name))]
    if not instance_types:
        problems.append(("instance_types", "list at least one GPU instance type"))
    if problems:
        return problems
    types = [GPU_INSTANCE_TYPES[name] for name in instance_types]
    problems += _region_problems(types, region) if region is not None else []
    models = sorted({t.gpu_model for t in types})
    if len(models) > 1:
        problems.append(("instance_types", f"mixes GPU models {models}; one pool holds one GPU model (add another pool)"))
    problems += node_group_size_problems(min_size, desired_size, max_size)
    problems += _efa_problems(types) if efa else []
    problems += _capacity_problems(capacity_type, capacity_reservation_id, len(types))
    problems += [("labels", p) for key, value in labels.items() if (p := label_problem(key, value))]
    return problems


def _region_problems(types: Sequence[GpuInstanceType], region: str) -> list[tuple[str, str]]:
    return [
        (f"instance_types[{i}]", f"{t.name} is not offered in {region}; regions: {', '.join(regions_offering(t.name))}")
        for i, t in enumerate(types)
        if not t.offered_in(region)
    ]


def _efa_problems(types: Sequence[GpuInstanceType]) -> list[tuple[str, str]]:
    problems = []
    for i, t in enumerate(types):
        if not t.supports_efa:
            efa_types = sorted(n for n, c in GPU_INSTANCE_TYPES.items() if c.supports_efa and c.family == t.family)
            hint = f"EFA types of {t.family}: {', '.join(efa_types)}" if efa_types else f"{t.family} has no EFA type"
            problems.append((f"instance_types[{i}]", f"{t.name} has no EFA interface but efa is true; {hint}"))
    return problems


def _capacity_problems(capacity_type: str, reservation_id: str | None, type_count: int) -> list[tuple[str, str]]:
    if capacity_type not in CAPACITY_TYPES:
        return [("capacity_type", f"must be one of {list(CAPACITY_TYPES)}, got {capacity_type!r}")]
    problems = []
    if capacity_type == "CAPACITY_BLOCK":
        if reservation_id is None:
            problems.append(
                ("capacity_reservation_id", "is required when capacity_type is CAPACITY_BLOCK (the Capacity Block's cr- id)")
            )
        if type_count > 1:
            problems.append(("instance_types", "a Capacity Block reserves one instance type; list exactly one"))
    elif capacity_type == "SPOT" and reservation_id is not None:
        problems.append(
            ("capacity_reservation_id", "a capacity reservation is not used by SPOT; use ON_DEMAND or CAPACITY_BLOCK")
        )
    return problems
