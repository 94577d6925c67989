"""A small boto3 helper shared by `mlinfra bootstrap` and `mlinfra verify`.

Clients are built from a plain ``boto3.session.Session`` and never get an explicit
``endpoint_url``: boto3 >= 1.28 reads ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``
itself (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), which is
how the tests point the commands at a local moto_server. Passing one here would override it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, TypeVar

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

# Standard retries, bounded timeouts: a command that cannot reach AWS should say so
# within seconds rather than hang.
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=30)


T = TypeVar("T")


class AwsError(Exception):
    """A failure the command line reports as one line on stderr with exit code 2 (a usage error:
    bad input, region or credentials, or a resource that cannot be used)."""


@cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def new_session(region: str | None = None) -> boto3.session.Session:
    """A fresh boto3 session (fresh credential lookup) sharing one botocore data loader.

    Each botocore session otherwise re-parses the service models (~0.3 s per service); a
    process that builds several sessions, like the test suite, pays that only once.
    """
    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core, region_name=region)


@cache
def supported_regions(*services: str) -> frozenset[str]:
    """Regions (any partition) where every one of ``services`` has an endpoint, per botocore's data."""
    session = new_session()
    result: set[str] | None = None
    for service in services:
        regions: set[str] = set()
        for partition in session.get_available_partitions():
            regions.update(session.get_available_regions(service, partition_name=partition))
        result = regions if result is None else result & regions
    return frozenset(result or ())


def check_region(region: str, *services: str) -> None:
    """Raise AwsError unless ``region`` is an AWS region where all ``services`` exist."""
    if region not in supported_regions(*services):
        raise AwsError(
            f"unsupported region {region!r}: not an AWS region with {' and '.join(services)} endpoints "
            "(for example us-east-1, eu-west-1)"
        )


@dataclass
class Aws:
    """boto3 clients for one region, created lazily, sharing one session."""

    region: str

    @cached_property
    def session(self) -> boto3.session.Session:
        return new_session(self.region)

    def client(self, service: str) -> Any:
        return self.session.client(service, config=_CONFIG)

    @cached_property
    def s3(self) -> Any:
        return self.client("s3")

    @cached_property
    def kms(self) -> Any:
        return self.client("kms")

    @cached_property
    def eks(self) -> Any:
        return self.client("eks")

    @cached_property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region)

    def account_id(self) -> str:
        """The caller's account id (STS); the first call, so missing credentials surface here."""
        return self.client("sts").get_caller_identity()["Account"]


def one_line_errors(call: Callable[[], T]) -> T:
    """Run a command body; a botocore failure becomes an AwsError with a one-line message.

    Anything botocore did not cause is a bug and keeps its traceback.
    """
    try:
        return call()
    except AwsError:
        raise
    except Exception as exc:
        message = describe_failure(exc)
        if message is None:
            raise
        raise AwsError(message) from None


def read_or_none(call: Callable[[], Any], *absent_codes: str) -> Any:
    """Call a getter; None when AWS answers that the configuration does not exist."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in absent_codes:
            return None
        raise


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def http_status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def describe_failure(exc: BaseException) -> str | None:
    """One line for the botocore failures every command maps to exit 2; None for others."""
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run `aws sso login`)"
    if isinstance(exc, NoRegionError):
        return "no AWS region: pass --region"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach AWS: {exc}"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "request")
        return f"AWS refused {op}: {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    if isinstance(exc, BotoCoreError):
        return f"AWS SDK error: {exc}"
    return None
