"""Helpers shared by the rules: reading props safely, tags, S3 pairing, GPU families.

Props reach a rule wrapped by ``pulumi_policy.proxy.unknown_checking_proxy`` (mappings and
sequences that raise ``UnknownValueError`` on an unknown value). Everything here reads them
through the Mapping/Sequence protocols only, so an unknown value during a real preview
surfaces as the analyzer's "can't run policy during preview" advisory, never as a wrong pass.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from components.catalog import tokens
from components.catalog.gpu import GPU_FAMILIES, NVIDIA_AMI_TYPES  # noqa: F401 - re-exported to the rules

BUCKET = "aws:s3/bucket:Bucket"
KMS_KEY = "aws:kms/key:Key"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TEAM_COMPONENT = tokens.TEAM


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """``props[a][b]...`` or ``default`` when a step is missing (unknown values still raise)."""
    value = props
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, Sequence) or isinstance(value, str) or key >= len(value):
                return default
        elif not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
        if value is None:
            return default
    return value


def is_set(props: Any, key: str) -> bool:
    """True if ``props[key]`` is set: a non-empty known value, or a value unknown during preview.

    An unknown value is computed from another resource's output (a key ARN not yet created),
    so it is set; reading it would raise and turn the whole rule into "can't run".
    """
    if not isinstance(props, Mapping) or not any(k == key for k in props):  # iterating never raises
        return False
    try:
        return bool(props[key])
    except UnknownValueError:
        return True


def items(value: Any) -> list[Any]:
    """A list/sequence prop as a list ([] when absent or a scalar)."""
    if value is None or isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return []
    return [value[i] for i in range(len(value))]


def truthy(value: Any) -> bool:
    """Booleans that pulumi_aws sometimes types as strings (``encrypted: "true"``)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def as_int(value: Any, default: int = 0) -> int:
    """Numbers cross the wire as floats (protobuf Struct); compare and print them as ints."""
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def tags_of(props: Any) -> dict[str, Any]:
    tags = get(props, "tags", default={})
    return {k: tags[k] for k in tags} if isinstance(tags, Mapping) else {}


def matches_any(value: str, patterns: Iterable[str]) -> bool:
    """Shell-style globs (``g5.*``), case-sensitive like AWS instance type names."""
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def instance_family(instance_type: str) -> str:
    return instance_type.split(".", 1)[0]


def is_gpu_instance_type(instance_type: str) -> bool:
    return instance_family(instance_type) in GPU_FAMILIES


def gpu_instance_types(node_group_props: Any) -> list[str]:
    return [t for t in items(get(node_group_props, "instanceTypes")) if isinstance(t, str) and is_gpu_instance_type(t)]


def gpu_pool_types(args: Any) -> list[str]:
    """The GPU instance types of a node group (``args`` of a resource policy); [] for anything else."""
    return gpu_instance_types(args.props) if args.resource_type == NODE_GROUP else []


def plain(value: Any) -> Any:
    """A proxied value as plain dicts/lists, unknown sentinels left in place (for estimators)."""
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {k: plain(target[k]) for k in target}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        # A proxied sequence also answers the "__target" key (pulumi_policy.proxy).
        target = cast(Any, value)["__target"] if _is_proxy(value) else value
        return [plain(v) for v in target]
    return value


def _is_proxy(value: Any) -> bool:
    return type(value).__name__ in ("_DictProxy", "_ListProxy")


# -- stack helpers ---------------------------------------------------------------------------
def ancestors(resource: PolicyResource) -> list[PolicyResource]:
    chain, parent = [], resource.parent
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = parent.parent
    return chain


def referenced(resource: PolicyResource, prop: str, type_: str) -> list[PolicyResource]:
    """Resources of ``type_`` that the property ``prop`` of ``resource`` was computed from.

    Property dependencies, not values: during a real preview of a new bucket, ``bucket.id``
    is unknown, but the engine still records which resource the value comes from.
    """
    deps = resource.property_dependencies.get(prop) or []
    found = [d for d in deps if d.resource_type == type_]
    if found:
        return found
    return [d for d in resource.dependencies if d.resource_type == type_]


def attached(resources: Sequence[PolicyResource], type_: str, prop: str = "bucket") -> dict[str, list[PolicyResource]]:
    """For each target URN, the resources of ``type_`` whose ``prop`` references it."""
    out: dict[str, list[PolicyResource]] = {}
    for r in resources:
        if r.resource_type != type_:
            continue
        for target in referenced(r, prop, BUCKET):
            out.setdefault(target.urn, []).append(r)
    return out


def of_type(resources: Sequence[PolicyResource], type_: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type == type_]
