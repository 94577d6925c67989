"""`mlinfra bootstrap`: the Pulumi state bucket and secrets key, created with boto3.

Pulumi cannot create the bucket that holds its own state, so this one command does, once
per account and region, and can be re-run at any time: every step reads the current
setting first and reports `created`, `updated` or `already ok`. A second run changes
nothing. It then prints the `pulumi login` and `pulumi stack init` commands to use.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from components.catalog.s3 import TLS_ONLY_SID
from mlinfra.aws import (
    Aws,
    AwsError,
    check_region,
    error_code,
    http_status,
    read_or_none,
)
from mlinfra.bootstrap_bucket import PAB_ALL, BucketSettings, bucket_tls_statement
from mlinfra.bootstrap_steps import ALREADY_OK, CREATED, UPDATED, Step, reconcile, state_of

# Re-exported: the report and the tests read the steps and the settings from here.
__all__ = [
    "ALREADY_OK",
    "CREATED",
    "DEFAULT_KMS_ALIAS",
    "PAB_ALL",
    "TLS_ONLY_SID",
    "UPDATED",
    "BootstrapResult",
    "Bootstrapper",
    "Step",
    "bucket_name_problem",
    "bucket_tls_statement",
    "pulumi_commands",
    "run",
]

DEFAULT_KMS_ALIAS = "alias/mlinfra-state"
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
# Pulumi stack names: letters, digits, '-', '_', '.' (an org/project prefix is not used
# by the S3 backend's short form).
_STACK = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general purpose S3 bucket name, or None if it is."""
    if not 3 <= len(name) <= 63:
        return f"must be 3-63 characters long (got {len(name)})"
    if not _BUCKET_CHARS.fullmatch(name):
        return "may contain only lowercase letters, digits, '.' and '-', and must begin and end with a letter or digit"
    if ".." in name:
        return "must not contain two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"must not start with the reserved prefix {prefix!r}"
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"must not end with the reserved suffix {suffix!r}"
    return None


@dataclass
class BootstrapResult:
    region: str
    bucket: str
    kms_alias: str
    kms_key_arn: str = ""
    account_id: str = ""
    steps: list[Step] = field(default_factory=list)
    login_command: str = ""
    stack_init_command: str = ""

    @property
    def changed(self) -> bool:
        return any(s.status != ALREADY_OK for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed"] = self.changed
        return data


def pulumi_commands(bucket: str, region: str, kms_alias: str, stack: str) -> tuple[str, str]:
    """The two commands to run next, in the forms Pulumi documents.

    `awssdk=v2` is part of the S3 backend URL form in Pulumi's state-and-backends guide
    (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#aws-s3); the awskms URL is
    the one `pulumi stack init --help` shows. Quoted because of `?` and `&`.
    """
    login = f"pulumi login 's3://{bucket}?region={region}&awssdk=v2'"
    init = f"pulumi stack init {stack} --secrets-provider='awskms://{kms_alias}?region={region}'"
    return login, init


class Bootstrapper:
    def __init__(self, aws: Aws, bucket: str, kms_alias: str) -> None:
        self.aws, self.bucket, self.alias = aws, bucket, kms_alias
        self.region = aws.region
        self.steps: list[Step] = []

    # -- ownership -----------------------------------------------------------------------
    def _not_yours(self) -> AwsError:
        return AwsError(
            f"bucket {self.bucket!r} already exists and belongs to another AWS account; "
            "bucket names are global, choose another --bucket"
        )

    def bucket_exists(self, account: str) -> bool:
        """True if the bucket exists in this account and region; AwsError if it is someone else's."""
        s3 = self.aws.s3
        try:
            # ExpectedBucketOwner makes real S3 answer 403 for another account's bucket.
            head = s3.head_bucket(Bucket=self.bucket, ExpectedBucketOwner=account)
        except ClientError as exc:
            status = http_status(exc)
            if status == 404:
                return False
            if status == 403:
                raise self._not_yours() from None
            if status == 301:
                where = (
                    exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region", "another region")
                )
                raise AwsError(f"bucket {self.bucket!r} exists in {where}, not {self.region}; pass --region {where}") from None
            raise
        # moto (and a bucket whose policy grants us access) answers 200 regardless of the
        # owner, so confirm with ListBuckets, which only lists the caller's own buckets.
        try:
            pages = s3.get_paginator("list_buckets").paginate(Prefix=self.bucket)
            owned = any(b["Name"] == self.bucket for page in pages for b in page.get("Buckets", []))
        except ClientError as exc:
            if error_code(exc) not in ("AccessDenied", "AccessDeniedException"):
                raise
            owned = True  # no s3:ListAllMyBuckets: ExpectedBucketOwner above already vouched
        if not owned:
            raise self._not_yours()
        where = head.get("BucketRegion") or head.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
        if where and where != self.region:
            raise AwsError(f"bucket {self.bucket!r} exists in {where}, not {self.region}; pass --region {where}")
        return True

    # -- KMS -----------------------------------------------------------------------------
    def ensure_key(self) -> str:
        kms = self.aws.kms
        meta = read_or_none(lambda: kms.describe_key(KeyId=self.alias)["KeyMetadata"], "NotFoundException")
        if meta is None:
            meta, new_key = self._create_or_adopt_key()
        else:
            new_key = False
            self._check_usable(meta)
            self.steps.append(Step("kms key", ALREADY_OK, meta["Arn"]))
            self.steps.append(Step("kms alias", ALREADY_OK, f"{self.alias} -> {meta['KeyId']}"))
        rotation = kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"]
        reconcile(
            self.steps,
            "kms key rotation",
            state_of(rotation, new_key),
            True,
            lambda: kms.enable_key_rotation(KeyId=meta["KeyId"]),
            "automatic yearly rotation",
        )
        return str(meta["Arn"])

    def _create_or_adopt_key(self) -> tuple[dict[str, Any], bool]:
        """Create a key and point the alias at it; if another run got the alias first, adopt
        that run's key and retire ours, so two concurrent runs end with one key, not an orphan.

        The alias is the lock: CreateAlias fails with AlreadyExistsException for the loser of
        the race. A key cannot be deleted at once, so ours is scheduled for deletion after the
        7-day minimum window (and disabled, so nothing can encrypt with it meanwhile).
        Returns (key metadata, whether this run created it).
        """
        kms = self.aws.kms
        meta = kms.create_key(
            Description=f"mlinfra: Pulumi state bucket {self.bucket} and stack secrets",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=[{"TagKey": "managed-by", "TagValue": "mlinfra-bootstrap"}],
        )["KeyMetadata"]
        try:
            kms.create_alias(AliasName=self.alias, TargetKeyId=meta["KeyId"])
        except BaseException as exc:
            # Lost the race, or failed (or interrupted) between the two calls: retire our key
            # whatever happened, so no unnamed key is left behind to pay for and puzzle over.
            self._retire_key(meta["KeyId"])
            if not (isinstance(exc, ClientError) and error_code(exc) == "AlreadyExistsException"):
                raise
            winner = kms.describe_key(KeyId=self.alias)["KeyMetadata"]
            self._check_usable(winner)
            self.steps.append(Step("kms key", ALREADY_OK, f"{winner['Arn']} (created by a concurrent run; ours retired)"))
            self.steps.append(Step("kms alias", ALREADY_OK, f"{self.alias} -> {winner['KeyId']}"))
            return winner, False
        self.steps.append(Step("kms key", CREATED, meta["Arn"]))
        self.steps.append(Step("kms alias", CREATED, f"{self.alias} -> {meta['KeyId']}"))
        return meta, True

    def _retire_key(self, key_id: str) -> None:
        kms = self.aws.kms
        try:
            kms.disable_key(KeyId=key_id)
            kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        except ClientError:
            pass  # best effort: the error that brought us here is the one to report

    def _check_usable(self, meta: dict[str, Any]) -> None:
        if meta.get("KeyManager") == "AWS":
            raise AwsError(f"{self.alias} is an AWS managed key; use a customer managed alias such as {DEFAULT_KMS_ALIAS}")
        if meta.get("KeyState") != "Enabled":
            raise AwsError(f"KMS key {meta['KeyId']} behind {self.alias} is {meta.get('KeyState')}, not Enabled")
        if meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT" or meta.get("KeyUsage") != "ENCRYPT_DECRYPT":
            raise AwsError(f"KMS key behind {self.alias} is not a symmetric ENCRYPT_DECRYPT key")

    # -- bucket --------------------------------------------------------------------------
    def ensure_bucket(self, exists: bool) -> None:
        if exists:
            self.steps.append(Step("bucket", ALREADY_OK, f"s3://{self.bucket} in {self.region}"))
            return
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        # us-east-1 is the default location and rejects an explicit LocationConstraint.
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.aws.s3.create_bucket(**kwargs)
        except ClientError as exc:
            code = error_code(exc)
            if code == "BucketAlreadyExists":
                raise self._not_yours() from None
            if code == "InvalidBucketName":
                raise AwsError(f"invalid bucket name {self.bucket!r}: rejected by S3") from None
            if code != "BucketAlreadyOwnedByYou":  # created by a concurrent run: fine
                raise
        self.steps.append(Step("bucket", CREATED, f"s3://{self.bucket} in {self.region}"))

    def configure_bucket(self, key_arn: str) -> None:
        BucketSettings(self.aws.s3, self.bucket, self.aws.partition, self.alias, self.steps).configure(key_arn)


def run(
    region: str, bucket: str, kms_alias: str = DEFAULT_KMS_ALIAS, stack: str = "dev", aws: Aws | None = None
) -> BootstrapResult:
    """Create or converge the state bucket and key; the steps taken are in the result.

    Raises AwsError on bad input or a bucket/key that cannot be used (a usage error).
    """
    problem = bucket_name_problem(bucket)
    if problem:
        raise AwsError(f"invalid bucket name {bucket!r}: {problem}")
    if not _ALIAS.fullmatch(kms_alias) or kms_alias.startswith("alias/aws/"):
        raise AwsError(
            f"invalid --kms-alias {kms_alias!r}: must look like alias/<name> ([A-Za-z0-9/_-]) and not start with alias/aws/"
        )
    if not _STACK.fullmatch(stack):
        raise AwsError(f"invalid --stack {stack!r}: letters, digits, '-', '_' and '.' only")
    check_region(region, "s3", "kms")

    aws = aws or Aws(region)
    boot = Bootstrapper(aws, bucket, kms_alias)
    account = aws.account_id()
    # Ownership first: never create a key for a bucket we cannot use.
    exists = boot.bucket_exists(account)
    key_arn = boot.ensure_key()
    boot.ensure_bucket(exists)
    boot.configure_bucket(key_arn)
    login, init = pulumi_commands(bucket, region, kms_alias, stack)
    return BootstrapResult(region, bucket, kms_alias, key_arn, account, boot.steps, login, init)
