"""IAM policy documents as plain JSON: no invoke, so plans are identical offline and online."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi


def assume_role_policy(service: str, *, actions: Sequence[str] = ("sts:AssumeRole",)) -> str:
    """A trust policy letting one AWS service principal assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}],
        },
        sort_keys=True,
    )


# EKS Pod Identity needs both actions: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
POD_IDENTITY_ACTIONS: tuple[str, ...] = ("sts:AssumeRole", "sts:TagSession")
# Session tags EKS Pod Identity adds to its AssumeRole request ("List of session tags added by EKS
# Pod Identity"): https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html
POD_IDENTITY_TAGS: tuple[str, ...] = ("eks-cluster-name", "kubernetes-namespace", "kubernetes-service-account")


def pod_identity_trust_document(cluster_name: str, namespace: str, service_account: str) -> str:
    """A trust policy for EKS Pod Identity limited to one service account of one namespace of one
    cluster, by the session tags EKS sets ("You can use these tags in the condition keys in the trust
    policy to restrict which service accounts, namespaces, and clusters can use this role", pod-id-role
    above). Without them any Pod Identity association of the account could name the role."""
    values = dict(zip(POD_IDENTITY_TAGS, (cluster_name, namespace, service_account), strict=True))
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "pods.eks.amazonaws.com"},
                    "Action": list(POD_IDENTITY_ACTIONS),
                    "Condition": {"StringEquals": {f"aws:RequestTag/{tag}": v for tag, v in values.items()}},
                }
            ],
        },
        sort_keys=True,
    )


def pod_identity_trust(
    cluster_name: pulumi.Input[str], namespace: pulumi.Input[str], service_account: pulumi.Input[str]
) -> pulumi.Output[str]:
    """``pod_identity_trust_document`` for values that may be Outputs (the cluster's name)."""
    return pulumi.Output.all(cluster_name, namespace, service_account).apply(lambda v: pod_identity_trust_document(*v))


def policy_document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    """A policy document whose statements may hold Outputs (ARNs of resources in this program)."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def managed_policy_arn(partition: pulumi.Input[str], name: str) -> pulumi.Output[str]:
    """ARN of an AWS-managed policy in the stack's partition (aws, aws-cn, aws-us-gov)."""
    return pulumi.Output.concat("arn:", partition, ":iam::aws:policy/", name)
