"""The one shared Helm add-on helper: every add-on (GPU Operator, cluster-autoscaler,
Strimzi, Istio, monitoring...) installs through ``helm_addon``.

Each add-on states only its own ``HelmChart`` (name, upstream repository, pinned version)
and a typed values override. ``helm.v3.Release`` is used rather than ``helm.v4.Chart``: a
Release is one resource whose values are visible to the offline plan, tests and policies,
and it needs no live cluster to preview (see /work/shared/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

# Namespaces that exist in every cluster: never created (or deleted) by an add-on.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "default"})


@dataclass(frozen=True)
class HelmChart:
    """A chart pinned to one version, so an upgrade is a reviewed diff."""

    name: str
    """Chart name in the repository, e.g. ``gpu-operator``."""
    repository: str
    """Upstream chart repository URL (https://...)."""
    version: str
    """Exact chart version; ranges are rejected."""

    def __post_init__(self) -> None:
        if not self.repository.startswith("https://"):
            raise ValueError(f"chart {self.name}: repository must be an https:// URL, got {self.repository!r}")
        if not self.version or any(c in self.version for c in "^~*<>= x"):
            raise ValueError(f"chart {self.name}: version must be pinned exactly, got {self.version!r}")


@dataclass(frozen=True)
class HelmAddonArgs:
    """Where and how one add-on release is installed."""

    chart: HelmChart
    namespace: str
    """Namespace of the release; created (with ``namespace_labels``) unless it is a system namespace."""
    values: Mapping[str, Any]
    """Chart values, already typed and rendered by the add-on."""
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    """E.g. Pod Security Admission labels; privileged add-ons must say so here."""
    create_namespace: bool = True
    """False when another release of the same component already creates the namespace
    (Istio's base and istiod share istio-system)."""
    timeout_seconds: int = 600
    """How long Helm waits for the release to become ready."""
    depends_on: Sequence[pulumi.Resource] = ()


def helm_addon(
    name: str,
    args: HelmAddonArgs,
    *,
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
) -> k8s.helm.v3.Release:
    """Create ``f"{name}-namespace"`` (when needed) and the release ``f"{name}-release"`` under ``parent``."""
    depends_on = list(args.depends_on)
    if args.namespace not in SYSTEM_NAMESPACES and args.create_namespace:
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.namespace,
                labels={"app.kubernetes.io/managed-by": "mlinfra", **args.namespace_labels},
            ),
            opts=pulumi.ResourceOptions(parent=parent, provider=provider),
        )
        depends_on.append(namespace)
    elif args.namespace_labels:
        raise ValueError(f"{name}: cannot label the system namespace {args.namespace!r}")
    return k8s.helm.v3.Release(
        f"{name}-release",
        name=args.chart.name,
        chart=args.chart.name,
        version=args.chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.chart.repository),
        namespace=args.namespace,
        # The namespace is a resource of its own (labels, clean deletion), never Helm's.
        create_namespace=False,
        values=dict(args.values),
        # A failed upgrade rolls back instead of leaving a half-applied release.
        atomic=True,
        cleanup_on_fail=True,
        max_history=10,
        timeout=args.timeout_seconds,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=depends_on),
    )
