"""The encrypted gp3 StorageClass that stateful workloads (Kafka brokers, Prometheus) claim volumes from.

One function, called once per cluster (stacks/platform.py), whose name is passed to every
component that needs persistent volumes: two components creating the same cluster-scoped
object would fight over it. Since Kubernetes 1.30 EKS no longer ships a default gp2
StorageClass (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html), so without
this one, PersistentVolumeClaims that name no class stay Pending.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.catalog.shared import STORAGE_CLASS_NAME

# The EBS CSI driver (an EKS add-on of components/cluster/cluster.py) provisions the volumes.
EBS_CSI_PROVISIONER = "ebs.csi.aws.com"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class StorageClassArgs:
    """Inputs of the encrypted gp3 StorageClass."""

    name: str = STORAGE_CLASS_NAME
    kms_key_id: pulumi.Input[str] | None = None
    """Customer key ARN for the volumes. None: the account's ``aws/ebs`` key, which the
    driver's managed policy (AmazonEBSCSIDriverPolicy) can already use; a customer key also
    needs kms:CreateGrant/Decrypt/GenerateDataKey* for the driver's role in the key policy."""
    make_default: bool = True
    """Mark it the cluster's default class, for claims that name none."""
    reclaim_policy: str = "Retain"
    """``Retain``: deleting a claim (or a Kafka pool) keeps the volume and its data."""

    def __post_init__(self) -> None:
        if self.reclaim_policy not in ("Retain", "Delete"):
            raise ValueError(f"reclaim_policy must be one of ['Delete', 'Retain'], got {self.reclaim_policy!r}")


def encrypted_gp3_storage_class(
    resource_name: str,
    args: StorageClassArgs,
    *,
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> k8s.storage.v1.StorageClass:
    """The StorageClass; callers pass ``.metadata.name`` on to components that claim volumes."""
    parameters: dict[str, pulumi.Input[str]] = {"type": "gp3", "encrypted": "true"}
    if args.kms_key_id is not None:
        parameters["kmsKeyId"] = args.kms_key_id
    annotations = {DEFAULT_CLASS_ANNOTATION: "true"} if args.make_default else {}
    return k8s.storage.v1.StorageClass(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=args.name, labels={"app.kubernetes.io/managed-by": "mlinfra"}, annotations=annotations
        ),
        provisioner=EBS_CSI_PROVISIONER,
        parameters=parameters,
        reclaim_policy=args.reclaim_policy,
        # Bind where the pod is scheduled: an EBS volume lives in one zone.
        volume_binding_mode="WaitForFirstConsumer",
        # Brokers and Prometheus grow their volumes in place.
        allow_volume_expansion=True,
        opts=pulumi.ResourceOptions(provider=provider, parent=parent, depends_on=depends_on),
    )
