"""The key-policy, one-key-only and lake-replication rules: violating and passing cases (the
mutations of the real prod plan are in test_real_plans.py)."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from components._kms import key_policy_document
from components.catalog.s3 import only_this_key_statements, tls_only_statement
from policies.rules import aws_kms_key_explicit_policy, aws_s3_bucket_deny_other_kms_keys, aws_s3_lake_zone_replicated
from tests.policies.support import check_resource, check_stack, resource

KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/abc"
ROOT = {
    "Sid": "AccountAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ADMIN = "arn:aws:iam::123456789012:role/kms-admin"


def _key_messages(document: object) -> list[str]:
    props = {"enableKeyRotation": True, **({"policy": document} if document is not None else {})}
    return check_resource(aws_kms_key_explicit_policy.POLICY, KEY, props, name="k")


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# -- aws-kms-key-explicit-policy ------------------------------------------------------------
def test_a_key_with_the_default_policy_is_a_violation() -> None:
    (message,) = _key_messages(None)
    assert "KMS key 'k' has no explicit key policy" in message and "key_policy" in message


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"}, "gives kms:* to"),
        (
            {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"},
            "any principal ('*')",
        ),
        (
            {
                "Sid": "S3",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
            "without a condition",
        ),
        (
            {"Sid": "Svc", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "*", "Resource": "*"},
            "gives kms:*",
        ),
        (
            {"Sid": "Not", "Effect": "Allow", "NotPrincipal": {"AWS": ADMIN}, "Action": "kms:Decrypt", "Resource": "*"},
            "NotPrincipal",
        ),
    ],
    ids=["role-kms-star", "anyone", "service-unconditioned", "service-star", "not-principal"],
)
def test_a_broad_statement_is_a_violation(statement: dict, expected: str) -> None:
    messages = _key_messages(_doc(ROOT, statement))
    assert messages and all(statement["Sid"] in m for m in messages), messages
    assert any(expected in m for m in messages), messages


def test_the_helpers_policies_pass() -> None:
    logs = {
        "Sid": "LogGroups",
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:g"}},
    }
    deny = {"Sid": "D", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
    assert _key_messages(key_policy_document("aws", "123456789012", [ADMIN], [logs, deny])) == []
    assert _key_messages(_doc(ROOT)) == []


# -- aws-s3-bucket-deny-other-kms-keys --------------------------------------------------------
def _lake_bucket(name: str, statements: list[dict] | None, key: str = KMS_ARN, algorithm: str = "aws:kms") -> list:
    bucket = resource(BUCKET, name, {"bucket": f"{name}-bucket"})
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if algorithm == "aws:kms" else {})}
    found = [
        bucket,
        resource(
            SSE,
            name,
            {"bucket": UNKNOWN_STRING_VALUE, "rules": [{"applyServerSideEncryptionByDefault": default}]},
            refs={"bucket": [bucket]},
        ),
    ]
    if statements is not None:
        document = json.dumps({"Version": "2012-10-17", "Statement": statements})
        found.append(resource(POLICY, name, {"bucket": UNKNOWN_STRING_VALUE, "policy": document}, refs={"bucket": [bucket]}))
    return found


ARN = "arn:aws:s3:::b"
TLS = tls_only_statement(ARN, f"{ARN}/*")


@pytest.mark.parametrize(
    ("statements", "missing"),
    [
        (None, "uploads naming another KMS key"),
        ([TLS], "uploads naming another KMS key"),
        ([TLS, *only_this_key_statements(f"{ARN}/*", "arn:aws:kms:us-east-1:123456789012:key/other")], "another KMS key"),
        ([TLS, only_this_key_statements(f"{ARN}/*", KMS_ARN)[0]], "another algorithm"),
    ],
    ids=["no-policy", "tls-only", "other-key-pinned", "algorithm-open"],
)
def test_a_kms_bucket_whose_policy_lets_uploads_pick_the_key_is_a_violation(statements: list[dict] | None, missing: str) -> None:
    found = check_stack(aws_s3_bucket_deny_other_kms_keys.POLICY, _lake_bucket("data-lake-raw", statements))
    assert [urn.rsplit("::", 1)[1] for _, urn in found] == ["data-lake-raw"], found
    assert missing in found[0][0], found[0][0]


def test_a_bucket_pinned_to_its_key_passes_and_sse_s3_buckets_are_not_judged() -> None:
    pinned = _lake_bucket("data-lake-raw", [TLS, *only_this_key_statements(f"{ARN}/*", KMS_ARN)])
    logs = _lake_bucket("data-lake-access-logs", [TLS], algorithm="AES256")
    assert check_stack(aws_s3_bucket_deny_other_kms_keys.POLICY, pinned + logs) == []


# -- aws-s3-lake-zone-replicated --------------------------------------------------------------
def _rule(**overrides: object) -> dict:
    rule = {
        "status": "Enabled",
        "destination": {"bucket": "arn:aws:s3:::replica", "encryptionConfiguration": {"replicaKmsKeyId": KMS_ARN}},
        "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}},
    }
    rule.update(overrides)
    return rule


def _zone(name: str, rule: dict | None) -> list:
    bucket = resource(BUCKET, name, {"bucket": f"{name}-bucket"})
    if rule is None:
        return [bucket]
    return [
        bucket,
        resource(REPLICATION, name, {"bucket": UNKNOWN_STRING_VALUE, "role": "r", "rules": [rule]}, refs={"bucket": [bucket]}),
    ]


@pytest.mark.parametrize(
    "rule",
    [None, _rule(status="Disabled"), _rule(sourceSelectionCriteria={}), _rule(destination={"bucket": "arn:aws:s3:::replica"})],
    ids=["none", "disabled", "skips-sse-kms-objects", "no-replica-key"],
)
def test_an_unreplicated_non_regenerable_zone_is_a_violation(rule: dict | None) -> None:
    found = check_stack(aws_s3_lake_zone_replicated.POLICY, _zone("data-lake-raw", rule) + _zone("data-lake-curated", None))
    assert [urn.rsplit("::", 1)[1] for _, urn in found] == ["data-lake-raw"], found
    assert "not replicated to a second region" in found[0][0]


def test_replicated_zones_pass_and_the_config_names_the_zones() -> None:
    resources = _zone("data-lake-raw", _rule()) + _zone("data-lake-models", _rule()) + _zone("data-lake-features", None)
    assert check_stack(aws_s3_lake_zone_replicated.POLICY, resources) == []
    found = check_stack(aws_s3_lake_zone_replicated.POLICY, resources, config={"nonRegenerableBuckets": ["data-lake-features"]})
    assert [urn.rsplit("::", 1)[1] for _, urn in found] == ["data-lake-features"]
