"""Kubernetes secrets are envelope-encrypted with a customer-managed KMS key."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import EKS_CLUSTER, get, is_set, items

NAME = "aws-eks-cluster-secrets-encryption"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    config = get(args.props, "encryptionConfig", default={})
    # keyArn is unknown in a preview until the key exists: it counts as set (is_set never reads it).
    if "secrets" not in items(get(config, "resources")) or not is_set(get(config, "provider", default={}), "keyArn"):
        report_violation(
            f"EKS cluster '{args.name}' does not encrypt secrets with KMS; set encryption_config "
            "{resources: ['secrets'], provider: {key_arn: <KMS key ARN>}}.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="EKS clusters encrypt Kubernetes secrets with a KMS key.",
    validate=validate,
)
