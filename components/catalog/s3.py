"""S3 bucket-policy statements shared by the data lake and the state bucket (mlinfra bootstrap)."""

from __future__ import annotations

from typing import Any

TLS_ONLY_SID = "DenyInsecureTransport"


def tls_only_statement(bucket_arn: Any, objects_arn: Any) -> dict[str, Any]:
    """Deny every request that is not sent over TLS, to the bucket and its objects.

    The ARNs may be plain strings or Pulumi Outputs (the statement is then serialised with
    ``Output.json_dumps``); nothing here imports Pulumi.
    """
    return {
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, objects_arn],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
