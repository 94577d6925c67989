"""Buckets refuse plain-HTTP requests: a bucket policy denies aws:SecureTransport=false."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy
from pulumi_policy.proxy import UnknownValueError

from policies.rules._util import BUCKET, attached, get, of_type, plain

NAME = "aws-s3-bucket-tls-only-policy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def denies_insecure_transport(document) -> bool:
    """True if a statement denies every principal every S3 action when SecureTransport is false."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return False
    if not isinstance(document, Mapping):
        return False
    for st in _as_list(document.get("Statement") or []):
        if not isinstance(st, Mapping) or st.get("Effect") != "Deny":
            continue
        principal = st.get("Principal")
        if not (principal == "*" or (isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS")))):
            continue
        if not {"s3:*", "*"} & set(_as_list(st.get("Action") or [])):
            continue
        secure = (st.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
        if str(secure).lower() == "false":
            return True
    return False


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    policies = attached(args.resources, BUCKET_POLICY)
    unknown: UnknownValueError | None = None
    for bucket in of_type(args.resources, BUCKET):
        try:
            if any(denies_insecure_transport(plain(get(p.props, "policy"))) for p in policies.get(bucket.urn, [])):
                continue
        except UnknownValueError as exc:
            # A policy document built from a new bucket's ARN is unknown in a preview. Judge the
            # other buckets, then re-raise: the analyzer reports "can't run during preview" for
            # this one instead of a false pass or a false violation.
            unknown = unknown or exc
            continue
        report_violation(
            f"bucket '{bucket.name}' accepts plain HTTP; add a BucketPolicy statement "
            "{Effect: Deny, Principal: '*', Action: 's3:*', Condition: {Bool: {aws:SecureTransport: 'false'}}}.",
            bucket.urn,
        )
    if unknown is not None:
        raise unknown


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every S3 bucket has a policy that denies requests not sent over TLS.",
    validate=validate,
)
