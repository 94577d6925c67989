"""KMS key and EKS cluster rules."""

from __future__ import annotations

import datetime as dt

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.rules import (
    aws_eks_cluster_control_plane_logs,
    aws_eks_cluster_endpoint_not_public,
    aws_eks_cluster_secrets_encryption,
    aws_eks_cluster_supported_version,
    aws_kms_key_deletion_window,
    aws_kms_key_rotation_enabled,
)
from tests.policies.support import check_resource

KEY = "aws:kms/key:Key"
CLUSTER = "aws:eks/cluster:Cluster"
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def test_kms_rotation_off_is_a_violation() -> None:
    messages = check_resource(aws_kms_key_rotation_enabled.POLICY, KEY, {"enableKeyRotation": False}, name="data-lake-key")
    assert messages and "data-lake-key" in messages[0] and "enable_key_rotation" in messages[0]


def test_kms_rotation_on_passes_and_asymmetric_keys_are_exempt() -> None:
    assert check_resource(aws_kms_key_rotation_enabled.POLICY, KEY, {"enableKeyRotation": True}) == []
    assert (
        check_resource(aws_kms_key_rotation_enabled.POLICY, KEY, {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})
        == []
    )


def test_kms_deletion_window_below_minimum_is_a_violation() -> None:
    messages = check_resource(aws_kms_key_deletion_window.POLICY, KEY, {"deletionWindowInDays": 7}, name="k")
    assert messages and "7-day" in messages[0] and "at least 30" in messages[0]


def test_kms_deletion_window_passes_at_minimum_and_under_dev_config() -> None:
    assert check_resource(aws_kms_key_deletion_window.POLICY, KEY, {"deletionWindowInDays": 30}) == []
    assert (
        check_resource(aws_kms_key_deletion_window.POLICY, KEY, {"deletionWindowInDays": 7}, config={"minDeletionWindowDays": 7})
        == []
    )
    assert check_resource(aws_kms_key_deletion_window.POLICY, KEY, {}) == [], "unset means the AWS default of 30 days"


def test_eks_secrets_encryption_missing_is_a_violation() -> None:
    assert check_resource(aws_eks_cluster_secrets_encryption.POLICY, CLUSTER, {"version": "1.34"})
    no_key = {"encryptionConfig": {"resources": ["secrets"], "provider": {}}}
    assert check_resource(aws_eks_cluster_secrets_encryption.POLICY, CLUSTER, no_key)


def test_eks_secrets_encryption_passes() -> None:
    ok = {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:us-east-1:1:key/x"}}}
    assert check_resource(aws_eks_cluster_secrets_encryption.POLICY, CLUSTER, ok) == []
    # A key created in the same preview has an unknown ARN: set all the same, not "can't run".
    new_key = {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": UNKNOWN_STRING_VALUE}}}
    assert check_resource(aws_eks_cluster_secrets_encryption.POLICY, CLUSTER, new_key) == []


def test_eks_logs_missing_types_are_named() -> None:
    messages = check_resource(
        aws_eks_cluster_control_plane_logs.POLICY, CLUSTER, {"enabledClusterLogTypes": ["api", "audit"]}, name="cluster-eks"
    )
    assert messages and "['authenticator', 'controllerManager', 'scheduler']" in messages[0]


def test_eks_logs_pass_with_all_types_or_the_dev_subset() -> None:
    assert check_resource(aws_eks_cluster_control_plane_logs.POLICY, CLUSTER, {"enabledClusterLogTypes": ALL_LOGS}) == []
    dev = {"requiredLogTypes": ["api", "audit", "authenticator"]}
    assert (
        check_resource(
            aws_eks_cluster_control_plane_logs.POLICY,
            CLUSTER,
            {"enabledClusterLogTypes": ["api", "audit", "authenticator"]},
            config=dev,
        )
        == []
    )


@pytest.mark.parametrize(
    "vpc",
    [
        {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        {"endpointPublicAccess": True},  # EKS default CIDR list is 0.0.0.0/0
        {"publicAccessCidrs": ["10.0.0.0/8", "0.0.0.0/0"]},  # EKS default: public
    ],
)
def test_eks_endpoint_open_to_anywhere_is_a_violation(vpc: dict) -> None:
    messages = check_resource(aws_eks_cluster_endpoint_not_public.POLICY, CLUSTER, {"vpcConfig": vpc}, name="cluster-eks")
    assert messages and "cluster-eks" in messages[0] and "0.0.0.0/0" in messages[0]


def test_eks_endpoint_private_or_listed_cidrs_passes() -> None:
    policy = aws_eks_cluster_endpoint_not_public.POLICY
    assert check_resource(policy, CLUSTER, {"vpcConfig": {"endpointPublicAccess": False}}) == []
    assert (
        check_resource(policy, CLUSTER, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}})
        == []
    )
    open_vpc = {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}}
    assert check_resource(policy, CLUSTER, open_vpc, config={"allowPublicEndpointFromAnywhere": True}) == []


def test_eks_version_past_standard_support_is_a_violation() -> None:
    messages = check_resource(
        aws_eks_cluster_supported_version.POLICY, CLUSTER, {"version": "1.33"}, config={"asOf": "2026-07-30"}
    )
    assert messages and "2026-07-29" in messages[0] and "'1.34'" in messages[0]


def test_eks_version_unknown_to_the_table_is_a_violation() -> None:
    messages = check_resource(
        aws_eks_cluster_supported_version.POLICY, CLUSTER, {"version": "1.99"}, config={"asOf": "2026-01-01"}
    )
    assert messages and "not in the support table" in messages[0]


def test_eks_version_on_its_last_day_of_support_passes() -> None:
    assert (
        check_resource(aws_eks_cluster_supported_version.POLICY, CLUSTER, {"version": "1.33"}, config={"asOf": "2026-07-29"})
        == []
    )


def test_eks_version_is_judged_as_of_today_utc_unless_as_of_is_set() -> None:
    assert aws_eks_cluster_supported_version.as_of({}) == dt.datetime.now(dt.UTC).date()
    assert aws_eks_cluster_supported_version.as_of({"asOf": "2026-07-29"}) == dt.date(2026, 7, 29)


@pytest.mark.parametrize("bad", ["2030-13-01", "2030-02-30"])
def test_eks_version_bad_as_of_fails_naming_the_config_key(bad: str) -> None:
    # The config schema (format: date) rejects these first; the rule still fails clearly.
    with pytest.raises(ValueError, match=rf"aws-eks-cluster-supported-version\.asOf: must be a date YYYY-MM-DD, got '{bad}'"):
        aws_eks_cluster_supported_version.as_of({"asOf": bad})
