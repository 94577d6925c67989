"""`mlinfra bootstrap`: converge the state bucket's settings, one step per setting.

Each step reads the setting, compares it with what the state bucket needs and writes it only
when it differs, so a second run reports every step "already ok".
"""

from __future__ import annotations

import json
from typing import Any

from components.catalog.s3 import TLS_ONLY_SID, tls_only_statement
from mlinfra.aws import read_or_none
from mlinfra.bootstrap_steps import Step, reconcile, state_of

PAB_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def bucket_tls_statement(partition: str, bucket: str) -> dict[str, Any]:
    arn = f"arn:{partition}:s3:::{bucket}"
    return tls_only_statement(arn, f"{arn}/*")


def _normalise_statement(stmt: dict[str, Any]) -> dict[str, Any]:
    """Compare statements regardless of list order or a one-element list vs a string."""
    out = {}
    for key, value in stmt.items():
        if isinstance(value, list):
            value = sorted(value) if len(value) != 1 else value[0]
        out[key] = value
    return out


def _encryption_in_place(current: list[dict[str, Any]] | None, key_arn: str) -> bool:
    """One SSE-KMS rule with our key (by ARN or ID) and the bucket key on."""
    key_id = key_arn.rsplit("/", 1)[-1]
    if not current or len(current) != 1 or current[0].get("BucketKeyEnabled") is not True:
        return False
    default = current[0].get("ApplyServerSideEncryptionByDefault", {})
    return default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID") in (key_arn, key_id)


class BucketSettings:
    """The state bucket's settings, each converged by one method that records its step."""

    def __init__(self, s3: Any, bucket: str, partition: str, alias: str, steps: list[Step]) -> None:
        self.s3, self.bucket, self.partition, self.alias, self.steps = s3, bucket, partition, alias, steps

    def configure(self, key_arn: str) -> None:
        self.object_ownership()
        self.public_access_block()
        self.versioning()
        self.default_encryption(key_arn)
        self.tls_only_policy()

    def object_ownership(self) -> None:
        s3, b = self.s3, self.bucket
        rules = read_or_none(
            lambda: s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"], "OwnershipControlsNotFoundError"
        )
        want_rules = [{"ObjectOwnership": "BucketOwnerEnforced"}]
        put = lambda: s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": want_rules})  # noqa: E731
        reconcile(self.steps, "object ownership", rules, want_rules, put, "BucketOwnerEnforced (ACLs disabled)")

    def public_access_block(self) -> None:
        s3, b = self.s3, self.bucket
        pab = read_or_none(
            lambda: s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"], "NoSuchPublicAccessBlockConfiguration"
        )
        put = lambda: s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=PAB_ALL)  # noqa: E731
        reconcile(self.steps, "public access block", pab, PAB_ALL, put, "all four settings on")

    def versioning(self) -> None:
        s3, b = self.s3, self.bucket
        status = s3.get_bucket_versioning(Bucket=b).get("Status")  # absent until first enabled
        put = lambda: s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})  # noqa: E731
        reconcile(self.steps, "versioning", status, "Enabled", put, "Enabled")

    def default_encryption(self, key_arn: str) -> None:
        s3, b = self.s3, self.bucket
        current = read_or_none(
            lambda: s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"],
            "ServerSideEncryptionConfigurationNotFoundError",
        )
        want = {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
            "BucketKeyEnabled": True,
        }
        reconcile(
            self.steps,
            "default encryption",
            state_of(_encryption_in_place(current, key_arn), current is None),
            True,
            lambda: s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [want]}),
            f"SSE-KMS with {self.alias}, bucket key on",
        )

    def tls_only_policy(self) -> None:
        s3, b = self.s3, self.bucket
        stmt = bucket_tls_statement(self.partition, b)
        raw = read_or_none(lambda: s3.get_bucket_policy(Bucket=b)["Policy"], "NoSuchBucketPolicy")
        doc: dict[str, Any] = json.loads(raw) if raw else {"Version": "2012-10-17", "Statement": []}
        raw_statements = doc.get("Statement", [])
        # IAM allows one statement object in place of a list of them.
        statements: list[dict[str, Any]] = [raw_statements] if isinstance(raw_statements, dict) else list(raw_statements)
        ours = [s for s in statements if s.get("Sid") == TLS_ONLY_SID]
        # Keep every other statement: the policy may carry grants this command does not own.
        new_doc = {**doc, "Statement": [s for s in statements if s.get("Sid") != TLS_ONLY_SID] + [stmt]}
        in_place = len(ours) == 1 and _normalise_statement(ours[0]) == _normalise_statement(stmt)
        reconcile(
            self.steps,
            "tls-only bucket policy",
            state_of(in_place, raw is None),
            True,
            lambda: s3.put_bucket_policy(Bucket=b, Policy=json.dumps(new_doc)),
            "deny any request without aws:SecureTransport",
        )
