"""Pure EKS helpers of the Cluster component: the kubeconfig, the OIDC issuer, role keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the settings import role_key without loading the AWS SDK
    import pulumi_aws as aws


def oidc_issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity] | None) -> str:
    """The cluster's OIDC issuer URL: EKS reports exactly one identity with one issuer once the cluster exists."""
    oidcs = (identities or [])[0].oidcs or []
    return str(oidcs[0].issuer)


def role_key(role_arn: str) -> str:
    """A stable child-name key for an IAM role ARN: its path and name (``role/ops/admin`` -> ``ops-admin``)."""
    return role_arn.split(":role/", 1)[-1].replace("/", "-")


def kubeconfig(cluster_name: str, region: str, endpoint: str, ca_data: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived token stored)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )
