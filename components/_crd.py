"""The one CustomResource helper: every Strimzi, Istio and Prometheus Operator object goes here.

``custom_object`` builds the manifest (pure: tests validate it against the published API
shapes and golden files); ``custom_resource`` registers it as a typed
``apiextensions.CustomResource`` so the offline plan, the tests and the policies see every
field. The apiVersion comes from components/catalog/crds.py, never from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.catalog.crds import CRD_API_VERSIONS

MANAGED_BY = {"app.kubernetes.io/managed-by": "mlinfra"}


def custom_object(
    kind: str,
    *,
    metadata_name: str,
    namespace: str | None,
    spec: Mapping[str, Any],
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest of one custom resource: apiVersion from the catalog, labels include managed-by."""
    api_version = CRD_API_VERSIONS.get(kind)
    if api_version is None:
        raise ValueError(
            f"unknown custom resource kind {kind!r}; add it to components/catalog/crds.py (known: {sorted(CRD_API_VERSIONS)})"
        )
    metadata: dict[str, Any] = {"name": metadata_name, "labels": {**(labels or {}), **MANAGED_BY}}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": dict(spec)}


def custom_resource(
    name: str,
    kind: str,
    *,
    metadata_name: str,
    namespace: str | None,
    spec: Mapping[str, Any],
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource] = (),
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> k8s.apiextensions.CustomResource:
    """Register ``custom_object(...)`` as child ``name`` of ``parent``.

    ``depends_on``: the Helm release that installs the CRD (and the operator that acts on it),
    so a fresh cluster never sees the object before its kind exists. ``opts`` adds options
    such as protect/retain_on_delete for objects that hold data (a Kafka, its topics).
    """
    manifest = custom_object(
        kind, metadata_name=metadata_name, namespace=namespace, spec=spec, labels=labels, annotations=annotations
    )
    return k8s.apiextensions.CustomResource(
        name,
        api_version=manifest["apiVersion"],
        kind=kind,
        metadata=manifest["metadata"],
        spec=manifest["spec"],
        opts=pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)), opts
        ),
    )
