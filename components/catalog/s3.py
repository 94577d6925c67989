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


# Upload condition keys: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
SSE_KEY = "s3:x-amz-server-side-encryption"
SSE_KMS_KEY_ID_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
SSE_CUSTOMER_ALGORITHM_KEY = "s3:x-amz-server-side-encryption-customer-algorithm"
OTHER_KMS_KEYS_SID = "DenyOtherKmsKeys"
OTHER_ENCRYPTION_SID = "DenyOtherEncryption"


def only_this_key_statements(objects_arn: Any, key_arn: Any) -> list[dict[str, Any]]:
    """Deny uploads that ask for any encryption other than SSE-KMS with ``key_arn``.

    An upload without encryption headers gets the bucket's default encryption (this key), so
    clients should send none. Asking for SSE-KMS must name this key by its ARN: with the
    algorithm alone S3 would pick the AWS managed key aws/s3. SSE-S3 (AES256), DSSE-KMS and
    customer-provided keys (SSE-C) are refused: the lake key's policy and rotation would not apply.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
    """

    def deny(sid: str, condition: dict[str, Any]) -> dict[str, Any]:
        return {
            "Sid": sid,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": objects_arn,
            "Condition": condition,
        }

    return [
        deny(OTHER_KMS_KEYS_SID, {"StringNotEqualsIfExists": {SSE_KMS_KEY_ID_KEY: key_arn}}),
        deny(OTHER_ENCRYPTION_SID, {"StringNotEqualsIfExists": {SSE_KEY: "aws:kms"}}),
        deny("DenyKmsWithoutKeyId", {"StringEquals": {SSE_KEY: "aws:kms"}, "Null": {SSE_KMS_KEY_ID_KEY: "true"}}),
        deny("DenyCustomerProvidedKeys", {"Null": {SSE_CUSTOMER_ALGORITHM_KEY: "false"}}),
    ]
