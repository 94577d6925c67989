"""mlinfra/aws.py: every botocore failure becomes one line (exit 2); anything else keeps its traceback."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from mlinfra.aws import AwsError, describe_failure, one_line_errors, read_or_none


def _client_error(code: str, message: str, op: str = "PutBucketPolicy") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, op)


@pytest.mark.parametrize(
    "exc, message",
    [
        (NoCredentialsError(), "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "no AWS credentials found"),
        (NoRegionError(), "no AWS region: pass --region"),
        (
            EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com/"),
            'cannot reach AWS: Could not connect to the endpoint URL: "https://s3.eu-west-1.amazonaws.com/"',
        ),
        (_client_error("AccessDenied", "Access Denied"), "AWS refused PutBucketPolicy: AccessDenied: Access Denied"),
        (ReadTimeoutError(endpoint_url="https://kms.eu-west-1.amazonaws.com/"), "AWS SDK error: Read timeout on endpoint URL"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_botocore_failures_become_one_line(exc: Exception, message: str) -> None:
    def fail() -> None:
        raise exc

    with pytest.raises(AwsError) as info:
        one_line_errors(fail)
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text, text
    assert info.value.__cause__ is None and info.value.__suppress_context__, "the botocore traceback must not be chained"


def test_client_error_without_a_message_has_no_dangling_colon() -> None:
    assert describe_failure(_client_error("SlowDown", "")) == "AWS refused PutBucketPolicy: SlowDown"


def test_anything_botocore_did_not_cause_keeps_its_traceback() -> None:
    def bug() -> None:
        raise KeyError("KeyMetadata")

    with pytest.raises(KeyError):
        one_line_errors(bug)
    assert describe_failure(KeyError("x")) is None


def test_aws_error_passes_through_unchanged() -> None:
    original = AwsError("invalid bucket name 'x'")

    def fail() -> None:
        raise original

    with pytest.raises(AwsError) as info:
        one_line_errors(fail)
    assert info.value is original


def test_read_or_none_maps_only_the_named_absent_codes() -> None:
    def absent() -> None:
        raise _client_error("NoSuchBucketPolicy", "The bucket policy does not exist", "GetBucketPolicy")

    assert read_or_none(absent, "NoSuchBucketPolicy") is None
    with pytest.raises(ClientError):
        read_or_none(absent, "NoSuchLifecycleConfiguration")
