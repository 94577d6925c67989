"""Buckets encrypted with a customer key refuse uploads that ask for another key or algorithm."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy
from pulumi_policy.proxy import UnknownValueError

from components.catalog.s3 import SSE_KEY, SSE_KMS_KEY_ID_KEY
from policies.rules._util import BUCKET, attached, get, items, of_type, plain

NAME = "aws-s3-bucket-deny-other-kms-keys"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_puts(st: Any) -> bool:
    if not isinstance(st, Mapping) or st.get("Effect") != "Deny":
        return False
    principal = st.get("Principal")
    if not (principal == "*" or (isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS")))):
        return False
    return bool({"s3:PutObject", "s3:*", "*"} & {str(a) for a in _as_list(st.get("Action") or [])})


def missing_denies(document: Any, key_arn: str | None) -> list[str]:
    """Which of the two denies (other key, other algorithm) a bucket policy lacks."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            document = {}
    statements = (
        [st for st in _as_list(document.get("Statement") or []) if _denies_puts(st)] if isinstance(document, Mapping) else []
    )
    conditions = [(st.get("Condition") or {}).get("StringNotEqualsIfExists") or {} for st in statements]
    missing = []
    keys = [c[SSE_KMS_KEY_ID_KEY] for c in conditions if SSE_KMS_KEY_ID_KEY in c]
    if not any(k == key_arn or key_arn is None for k in keys):
        missing.append(f"uploads naming another KMS key ({SSE_KMS_KEY_ID_KEY} StringNotEqualsIfExists the bucket's key ARN)")
    if not any(c.get(SSE_KEY) == "aws:kms" for c in conditions):
        missing.append(f"uploads asking for another algorithm ({SSE_KEY} StringNotEqualsIfExists 'aws:kms')")
    return missing


def _customer_key(config: Any) -> str | None:
    """The kmsMasterKeyId of an SSE-KMS rule ('' when not SSE-KMS; None when unknown in a preview)."""
    for rule in items(get(config.props, "rules")):
        default = get(rule, "applyServerSideEncryptionByDefault", default={})
        if get(default, "sseAlgorithm") == "aws:kms" and "kmsMasterKeyId" in default:
            try:
                return str(get(default, "kmsMasterKeyId", default=""))
            except UnknownValueError:
                return None
    return ""


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    configs, policies = attached(args.resources, SSE), attached(args.resources, BUCKET_POLICY)
    unknown: UnknownValueError | None = None
    for bucket in of_type(args.resources, BUCKET):
        keys = [_customer_key(c) for c in configs.get(bucket.urn, [])]
        key = next((k for k in keys if k != ""), "")
        if key == "":
            continue  # not SSE-KMS with a customer key: other rules judge its encryption
        try:
            documents = [plain(get(p.props, "policy")) for p in policies.get(bucket.urn, [])]
        except UnknownValueError as exc:
            unknown = unknown or exc  # judged by the real engine once the ARNs are known
            continue
        gaps = [missing_denies(d, key) for d in documents] or [missing_denies({}, key)]
        best = min(gaps, key=len)
        if best:
            report_violation(
                f"bucket '{bucket.name}' is encrypted with a customer key but its policy does not deny "
                f"{' or '.join(best)}; add components/catalog/s3.py only_this_key_statements to its BucketPolicy.",
                bucket.urn,
            )
    if unknown is not None:
        raise unknown


POLICY = StackValidationPolicy(
    name=NAME,
    description="SSE-KMS buckets deny uploads that name another KMS key or ask for another encryption algorithm.",
    validate=validate,
)
