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
POD_IDENTITY_TRUST = assume_role_policy("pods.eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession"))


def policy_document(statements: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    """A policy document whose statements may hold Outputs (ARNs of resources in this program)."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def managed_policy_arn(partition: pulumi.Input[str], name: str) -> pulumi.Output[str]:
    """ARN of an AWS-managed policy in the stack's partition (aws, aws-cn, aws-us-gov)."""
    return pulumi.Output.concat("arn:", partition, ":iam::aws:policy/", name)
