"""The list of rules in the mlinfra policy pack. Importing this never starts a server.

``__main__.py`` (run by `pulumi preview --policy-pack policies`) hands ``POLICIES`` to a
``PolicyPack``; ``mlinfra/policy.py`` evaluates the same objects against an offline plan.
"""

from __future__ import annotations

import importlib

from pulumi_policy import EnforcementLevel, Policy

PACK_NAME = "mlinfra"
DESCRIPTION = "Guards for the mlinfra ML platform: tagging, data-lake encryption, EKS, GPU pools, Kafka, budgets."

# Without a --policy-pack-config file every rule is mandatory with prod-strict defaults:
# forgetting the config can only make a preview stricter, never laxer.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

# One module per rule under policies/rules/; the module name is the rule name in snake_case.
RULE_MODULES: tuple[str, ...] = (
    "mlinfra_required_tags",
    "mlinfra_team_resources_tagged",
    "aws_s3_bucket_require_sse_kms",
    "aws_s3_bucket_require_versioning",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_tls_only_policy",
    "aws_s3_bucket_no_public_acl",
    "aws_s3_bucket_no_force_destroy",
    "aws_s3_raw_zone_lifecycle",
    "aws_kms_key_rotation_enabled",
    "aws_kms_key_deletion_window",
    "aws_eks_cluster_secrets_encryption",
    "aws_eks_cluster_control_plane_logs",
    "aws_eks_cluster_endpoint_not_public",
    "aws_eks_cluster_supported_version",
    "aws_eks_gpu_node_group_nvidia_ami",
    "aws_eks_gpu_node_group_gpu_taint",
    "aws_eks_node_group_instance_type_allowlist",
    "aws_eks_node_group_max_size_cap",
    "aws_ec2_launch_template_imdsv2",
    "aws_ec2_launch_template_encrypted_volumes",
    "aws_ec2_vpc_default_security_group_closed",
    "aws_cloudwatch_log_group_encrypted_with_cmk",
    "aws_kms_key_explicit_policy",
    "aws_s3_bucket_deny_other_kms_keys",
    "aws_s3_lake_zone_replicated",
    "mlinfra_gpu_budget",
    "mlinfra_monthly_cost_budget",
    "mlinfra_stateful_resources_protected",
    "mlinfra_mesh_mtls_strict",
    "mlinfra_mesh_no_fault_injection",
    "mlinfra_mesh_team_allow_nothing",
    "mlinfra_mesh_no_allow_all_sources",
    "mlinfra_mesh_virtual_service_weights",
    "mlinfra_model_server_image_pinned",
    "mlinfra_grafana_admin_password_not_plain",
    "mlinfra_alertmanager_enabled",
    "mlinfra_prometheus_rule_severity",
    "aws_msk_cluster_tls_in_transit",
    "aws_msk_cluster_client_authentication",
    "aws_msk_cluster_encrypted_with_cmk",
    "mlinfra_kafka_durability",
    "strimzi_kafka_tls_and_authorization",
)

POLICIES: list[Policy] = [importlib.import_module(f"policies.rules.{m}").POLICY for m in RULE_MODULES]
POLICIES_BY_NAME: dict[str, Policy] = {p.name: p for p in POLICIES}
