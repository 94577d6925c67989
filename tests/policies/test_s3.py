"""S3 rules. Settings are separate resources in pulumi_aws 7, tied to a bucket by the property
dependency of their `bucket` input (known even when the bucket id is unknown in a preview)."""

from __future__ import annotations

import json

import pytest
from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.rules import (
    aws_s3_bucket_no_force_destroy,
    aws_s3_bucket_no_public_acl,
    aws_s3_bucket_public_access_block,
    aws_s3_bucket_require_sse_kms,
    aws_s3_bucket_require_versioning,
    aws_s3_bucket_tls_only_policy,
    aws_s3_raw_zone_lifecycle,
)
from tests.policies.support import check_resource, check_stack, resource

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/abc"


def _bucket(name: str = "data-lake-raw"):
    return resource(BUCKET, name, {"bucket": f"{name}-bucket"})


def _sse(bucket, algorithm: str = "aws:kms", key: str | None = KMS_ARN, name: str | None = None):
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
    # The bucket id is unknown in a real preview; the reference is the property dependency.
    return resource(
        SSE,
        name or bucket.name,
        {"bucket": UNKNOWN_STRING_VALUE, "rules": [{"applyServerSideEncryptionByDefault": default}]},
        refs={"bucket": [bucket]},
    )


def _names(found) -> list[str]:
    return [urn.rsplit("::", 1)[1] for _, urn in found]


# -- SSE-KMS ----------------------------------------------------------------------------------
def test_sse_kms_missing_configuration_is_a_violation_on_the_bucket() -> None:
    b = _bucket()
    found = check_stack(aws_s3_bucket_require_sse_kms.POLICY, [b])
    assert _names(found) == ["data-lake-raw"] and "no BucketServerSideEncryptionConfiguration" in found[0][0]


def test_sse_kms_aes256_and_aws_managed_key_are_violations() -> None:
    a, b = _bucket("a"), _bucket("b")
    found = check_stack(aws_s3_bucket_require_sse_kms.POLICY, [a, _sse(a, "AES256", None), b, _sse(b, "aws:kms", None)])
    assert _names(found) == ["a", "b"]
    assert "not SSE-KMS" in found[0][0] and "without kmsMasterKeyId" in found[1][0]


def test_sse_kms_pass_and_access_log_target_may_use_sse_s3() -> None:
    zone, logs = _bucket("data-lake-raw"), _bucket("data-lake-access-logs")
    logging = resource(
        "aws:s3/bucketLogging:BucketLogging",
        "data-lake-raw",
        {"targetPrefix": "raw/"},
        refs={"bucket": [zone], "targetBucket": [logs]},
    )
    resources = [zone, _sse(zone), logs, _sse(logs, "AES256", None), logging]
    assert check_stack(aws_s3_bucket_require_sse_kms.POLICY, resources) == []
    strict = check_stack(aws_s3_bucket_require_sse_kms.POLICY, resources, config={"allowSseS3ForAccessLogBuckets": False})
    assert _names(strict) == ["data-lake-access-logs"]


def test_sse_kms_key_unknown_during_preview_counts_as_set() -> None:
    # A new key's ARN is unknown in a real preview; it is a customer-managed key all the same,
    # so the rule passes instead of reporting "can't run" for every bucket.
    a = _bucket()
    assert check_stack(aws_s3_bucket_require_sse_kms.POLICY, [a, _sse(a, "aws:kms", UNKNOWN_STRING_VALUE)]) == []


# -- versioning -----------------------------------------------------------------------------------
def _versioning(bucket, status: str):
    return resource(
        "aws:s3/bucketVersioning:BucketVersioning",
        bucket.name,
        {"versioningConfiguration": {"status": status}},
        refs={"bucket": [bucket]},
    )


def test_versioning_suspended_or_missing_is_a_violation() -> None:
    a, b = _bucket("a"), _bucket("b")
    found = check_stack(aws_s3_bucket_require_versioning.POLICY, [a, _versioning(a, "Suspended"), b])
    assert _names(found) == ["a", "b"] and "Suspended" in found[0][0]


def test_versioning_enabled_passes() -> None:
    a = _bucket()
    assert check_stack(aws_s3_bucket_require_versioning.POLICY, [a, _versioning(a, "Enabled")]) == []


# -- public access block ------------------------------------------------------------------------------
def _pab(bucket, **overrides):
    flags = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
        **overrides,
    }
    return resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket.name, flags, refs={"bucket": [bucket]})


def test_public_access_block_incomplete_is_a_violation_naming_the_flag() -> None:
    a = _bucket()
    found = check_stack(aws_s3_bucket_public_access_block.POLICY, [a, _pab(a, restrictPublicBuckets=False)])
    assert _names(found) == ["data-lake-raw"] and "['restrictPublicBuckets']" in found[0][0]


def test_public_access_block_complete_passes() -> None:
    a = _bucket()
    assert check_stack(aws_s3_bucket_public_access_block.POLICY, [a, _pab(a)]) == []


# -- TLS-only policy ----------------------------------------------------------------------------------
DENY_HTTP = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _policy(bucket, statements):
    doc = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return resource("aws:s3/bucketPolicy:BucketPolicy", bucket.name, {"policy": doc}, refs={"bucket": [bucket]})


def test_tls_only_policy_missing_deny_is_a_violation() -> None:
    a = _bucket()
    allow_only = [
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"}
    ]
    found = check_stack(aws_s3_bucket_tls_only_policy.POLICY, [a, _policy(a, allow_only)])
    assert _names(found) == ["data-lake-raw"] and "aws:SecureTransport" in found[0][0]


def test_tls_only_policy_deny_statement_passes() -> None:
    a = _bucket()
    assert check_stack(aws_s3_bucket_tls_only_policy.POLICY, [a, _policy(a, [DENY_HTTP])]) == []


def test_tls_only_policy_unknown_document_reports_known_buckets_then_cannot_run() -> None:
    # In a first preview a policy built from the bucket's ARN is unknown: the other buckets are
    # still judged, then UnknownValueError reaches the analyzer ("can't run during preview").
    new, plain_http, ok = _bucket("new"), _bucket("plain-http"), _bucket("ok")
    unknown = resource("aws:s3/bucketPolicy:BucketPolicy", "new", {"policy": UNKNOWN_STRING_VALUE}, refs={"bucket": [new]})
    found: list[str] = []
    args = StackValidationArgs([new, unknown, plain_http, ok, _policy(ok, [DENY_HTTP])], {}, {})
    with pytest.raises(UnknownValueError):
        aws_s3_bucket_tls_only_policy.POLICY.validate(args, lambda message, urn=None: found.append(urn))
    assert [u.rsplit("::", 1)[1] for u in found] == ["plain-http"]


# -- public ACL -----------------------------------------------------------------------------------------
def test_public_canned_acl_and_all_users_grant_are_violations() -> None:
    assert check_resource(aws_s3_bucket_no_public_acl.POLICY, BUCKET, {"acl": "public-read"}, name="b")
    grants = {
        "accessControlPolicy": {
            "grants": [
                {"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ"}
            ],
            "owner": {"id": "x"},
        }
    }
    messages = check_resource(aws_s3_bucket_no_public_acl.POLICY, "aws:s3/bucketAcl:BucketAcl", grants)
    assert messages and "AllUsers" in messages[0]


def test_private_acl_passes() -> None:
    assert check_resource(aws_s3_bucket_no_public_acl.POLICY, BUCKET, {"acl": "private"}) == []


# -- forceDestroy ----------------------------------------------------------------------------------------
def test_force_destroy_is_a_violation_unless_config_allows_it() -> None:
    messages = check_resource(aws_s3_bucket_no_force_destroy.POLICY, BUCKET, {"forceDestroy": True}, name="data-lake-raw")
    assert messages and "data-lake-raw" in messages[0]
    assert (
        check_resource(aws_s3_bucket_no_force_destroy.POLICY, BUCKET, {"forceDestroy": True}, config={"allowForceDestroy": True})
        == []
    )


def test_no_force_destroy_passes() -> None:
    assert check_resource(aws_s3_bucket_no_force_destroy.POLICY, BUCKET, {"bucket": "b"}) == []


# -- raw-zone lifecycle -------------------------------------------------------------------------------------
def _lifecycle(bucket, rules):
    return resource(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        bucket.name,
        {"rules": rules},
        refs={"bucket": [bucket]},
    )


ABORT_ONLY = [{"id": "abort", "status": "Enabled", "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]
TIERING = [{"id": "tier", "status": "Enabled", "transitions": [{"days": 90, "storageClass": "STANDARD_IA"}]}]


def test_raw_zone_without_a_tiering_or_expiry_rule_is_a_violation() -> None:
    raw, curated = _bucket("data-lake-raw"), _bucket("data-lake-curated")
    found = check_stack(aws_s3_raw_zone_lifecycle.POLICY, [raw, _lifecycle(raw, ABORT_ONLY), curated])
    assert _names(found) == ["data-lake-raw"], "only the raw zone needs a lifecycle"


def test_raw_zone_disabled_rule_does_not_count_and_enabled_tiering_passes() -> None:
    raw = _bucket("data-lake-raw")
    disabled = [{**TIERING[0], "status": "Disabled"}]
    assert check_stack(aws_s3_raw_zone_lifecycle.POLICY, [raw, _lifecycle(raw, disabled)])
    assert check_stack(aws_s3_raw_zone_lifecycle.POLICY, [raw, _lifecycle(raw, TIERING)]) == []
