"""`mlinfra verify`: check the live account against what the stack says it deployed.

Reads the JSON that `pulumi stack output --json` printed and, with read-only boto3 calls,
checks the account-wide S3 Block Public Access, each data-lake bucket and replica (with its alarms,
mlinfra/verify_lake.py), the EKS cluster, each GPU node group, the MSK cluster and model serving
(mlinfra/verify_serving.py: model files, pods, traffic split, the ingress TLS secret). Every check is a
``Check`` (resource, check, result, detail); ``run`` returns them all in a ``VerifyResult``
(mlinfra/report.py renders it; mlinfra/cli.py exits 1 when one failed). A missing optional
output (say no ``gpu_node_groups``) skips those checks with a note rather than failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from components.catalog.gpu import GPU_TAINT_EFFECT, GPU_TAINT_KEY, NVIDIA_AMI_TYPES
from mlinfra.aws import (
    Aws,
    AwsError,
    check_region,
    error_code,
    http_status,
    read_or_none,
)
from mlinfra.verify_kafka import msk_checks
from mlinfra.verify_result import FAIL, PASS, SKIP, Check, VerifyResult

__all__ = ["FAIL", "PASS", "SKIP", "Check", "StackOutputs", "Verifier", "VerifyResult", "load_outputs", "run"]

# Every environment enables at least these (stacks/settings.py); staging/prod add more.
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
# EKS AMI types that ship the NVIDIA driver and container toolkit
# (https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType).
PAB_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
OPTIONAL_KEYS = ("data_lake_buckets", "cluster_name", "gpu_node_groups", "kafka_cluster_arn")

# moto 5.2 (what the tests run against) stores and returns everything read here as given:
# EKS logging.clusterLogging, encryptionConfig, nodegroup amiType and taints; S3 encryption,
# versioning, public access block, lifecycle and logging. It does not validate amiType values
# and does not apply S3's default SSE-S3 encryption to new buckets (real S3 does since 2023).


@dataclass(frozen=True)
class StackOutputs:
    region: str | None
    data_lake_buckets: dict[str, str] | None
    cluster_name: str | None
    gpu_node_groups: dict[str, str] | None
    kafka_cluster_arn: str | None = None
    data_lake_replica_buckets: dict[str, str] | None = None


def _optional_string(path: Path, data: dict[str, Any], key: str, what: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise AwsError(f"{path}: key {key!r} must be {what}, got {json.dumps(value)}")
    return value


def _string_map(path: Path, key: str, value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        raise AwsError(f"{path}: key {key!r} must be an object of {what}, got {json.dumps(value)[:80]}")
    return value


def load_outputs(path: Path) -> StackOutputs:
    """Parse `pulumi stack output --json`; AwsError names the file and key on any problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AwsError(f"{path}: no such file (write it with `pulumi stack output --json > {path}`)") from None
    except OSError as exc:
        raise AwsError(f"{path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AwsError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise AwsError(f"{path}: not stack outputs: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise AwsError(f"{path}: expected a JSON object of stack outputs, got {type(data).__name__}")

    region = _optional_string(path, data, "region", "a region name such as 'us-west-2'")
    buckets = data.get("data_lake_buckets")
    if buckets is not None:
        buckets = _string_map(path, "data_lake_buckets", buckets, "zone -> bucket name")
    cluster = _optional_string(path, data, "cluster_name", "a non-empty string")
    groups = data.get("gpu_node_groups")
    if groups is not None:
        groups = _string_map(path, "gpu_node_groups", groups, "pool -> EKS node group name")
        if groups and cluster is None:
            raise AwsError(f"{path}: key 'cluster_name' is missing, and gpu_node_groups cannot be checked without it")
    if all(data.get(k) is None for k in OPTIONAL_KEYS):
        raise AwsError(f"{path}: none of the keys {', '.join(OPTIONAL_KEYS)} is present; nothing to verify")
    kafka = _optional_string(path, data, "kafka_cluster_arn", "an MSK cluster ARN")
    replicas = data.get("data_lake_replica_buckets")
    if replicas is not None:
        replicas = _string_map(path, "data_lake_replica_buckets", replicas, "zone -> replica bucket name")
        unknown = sorted(set(replicas) - set(buckets or {}))
        if unknown:
            raise AwsError(f"{path}: key 'data_lake_replica_buckets' names zones {unknown} that data_lake_buckets does not have")
    return StackOutputs(region, buckets, cluster, groups, kafka, replicas)


class Verifier:
    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    def _guard(self, resource: str, name: str, fn: Callable[[], Check]) -> Check:
        """Run one check; an AWS refusal (say AccessDenied) fails that check, not the run."""
        try:
            return fn()
        except ClientError as exc:
            return Check(resource, name, FAIL, _cannot_read(exc))

    # -- S3 ------------------------------------------------------------------------------
    def bucket(self, zone: str, name: str) -> Iterator[Check]:
        s3, res = self.aws.s3, f"s3://{name}"
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as exc:
            why = "not found" if http_status(exc) == 404 else f"not accessible ({error_code(exc) or http_status(exc)})"
            yield Check(res, "exists", FAIL, f"{zone} zone bucket {why}")
            return
        yield Check(res, "exists", PASS, f"{zone} zone")

        def lifecycle() -> Check:
            rules = read_or_none(
                lambda: s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"], "NoSuchLifecycleConfiguration"
            )
            enabled = [r.get("ID", "?") for r in rules or [] if r.get("Status") == "Enabled"]
            if not enabled:
                return Check(
                    res, "lifecycle rules", FAIL, "no lifecycle configuration" if not rules else "every rule is Disabled"
                )
            return Check(res, "lifecycle rules", PASS, f"{len(enabled)} enabled: {', '.join(enabled)}")

        def logging() -> Check:
            target = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
            if not target:
                return Check(res, "access logging", FAIL, "server access logging off")
            return Check(res, "access logging", PASS, f"to s3://{target.get('TargetBucket')}/{target.get('TargetPrefix', '')}")

        def location() -> Check:
            # get_bucket_location says None (or "") for us-east-1, its historical default.
            found = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
            region = self.aws.region
            return Check(
                res, "region", PASS if found == region else FAIL, found if found == region else f"{found}, want {region}"
            )

        for label, fn in (
            ("region", location),
            ("SSE-KMS encryption", lambda: _encryption(s3, res, name)),
            ("versioning", lambda: _versioning(s3, res, name)),
            ("public access blocked", lambda: _public_access(s3, res, name)),
            ("lifecycle rules", lifecycle),
            ("access logging", logging),
        ):
            yield self._guard(res, label, fn)

    # -- S3, disaster-recovery replicas ------------------------------------------------------
    def replica(self, zone: str, source: str, name: str) -> Iterator[Check]:
        """The zone's replica in the second region, and the source bucket's rule that feeds it."""
        res = f"s3://{name}"
        try:
            # GetBucketLocation answers from any region's endpoint; the replica's region is not an output.
            where = self.aws.s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        except ClientError as exc:
            why = "not found" if error_code(exc) == "NoSuchBucket" else _cannot_read(exc)
            yield Check(res, "exists", FAIL, f"{zone} zone replica {why}")
            return
        yield Check(res, "exists", PASS, f"{zone} zone replica")
        yield Check(
            res,
            "another region",
            FAIL if where == self.aws.region else PASS,
            f"{where}, the same region as the lake" if where == self.aws.region else where,
        )
        there = Aws(where) if where != self.aws.region else self.aws
        from mlinfra.verify_lake import alarm_check

        def alarm(label: str, metric: str, aws: Aws) -> Check:
            return alarm_check(aws.client("cloudwatch"), aws.client("sns"), res, label, metric, source, name)

        for label, fn in (
            ("SSE-KMS encryption", lambda: _encryption(there.s3, res, name)),
            ("versioning", lambda: _versioning(there.s3, res, name)),
            ("public access blocked", lambda: _public_access(there.s3, res, name)),
            ("replicated from", lambda: self._replication(res, source, name)),
            ("lag alarm", lambda: alarm("lag alarm", "ReplicationLatency", there)),
            ("failure alarm", lambda: alarm("failure alarm", "OperationsFailedReplication", self.aws)),
        ):
            yield self._guard(res, label, fn)

    def _replication(self, res: str, source: str, replica: str) -> Check:
        rules = read_or_none(
            lambda: self.aws.s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"],
            "ReplicationConfigurationNotFoundError",
        )
        target = f"arn:{self.aws.partition}:s3:::{replica}"
        feeding = [r for r in rules or [] if r.get("Status") == "Enabled" and r.get("Destination", {}).get("Bucket") == target]
        if not feeding:
            return Check(res, "replicated from", FAIL, f"s3://{source} has no enabled replication rule to this bucket")
        encrypted = [r for r in feeding if r["Destination"].get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID")]
        if not encrypted:
            return Check(res, "replicated from", FAIL, f"s3://{source} replicates here without a replica KMS key")
        # Without S3 Replication metrics the rule publishes no ReplicationLatency and the zone's
        # lag alarm (components/data_lake/_replica_alarms.py) can never fire.
        measured = [r for r in encrypted if r["Destination"].get("Metrics", {}).get("Status") == "Enabled"]
        if not measured:
            return Check(
                res, "replicated from", FAIL, f"s3://{source} replicates here without replication metrics (no lag signal)"
            )
        return Check(res, "replicated from", PASS, f"s3://{source} (rule {measured[0].get('ID', '?')})")

    # -- S3, account level -----------------------------------------------------------------
    def account_public_access(self, account: str) -> Check:
        """The account-wide S3 Block Public Access: the guard that still holds when a bucket's own
        block is removed by hand or a new bucket is made outside Pulumi."""
        res, name = f"account:{account}", "S3 Block Public Access (account)"

        def read() -> Check:
            pab = read_or_none(
                lambda: self.aws.client("s3control").get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"],
                "NoSuchPublicAccessBlockConfiguration",
            )
            if pab is None:
                return Check(res, name, FAIL, "not configured for the account")
            off = [k for k in PAB_KEYS if not pab.get(k)]
            return Check(res, name, FAIL if off else PASS, f"off: {', '.join(off)}" if off else "all four on")

        return self._guard(res, name, read)

    # -- EKS -----------------------------------------------------------------------------
    def cluster(self, name: str) -> Iterator[Check]:
        res = f"eks:{name}"
        try:
            cluster = self.aws.eks.describe_cluster(name=name)["cluster"]
        except ClientError as exc:
            yield Check(res, "exists", FAIL, _not_found_or_unreadable(exc, "cluster not found"))
            return
        yield Check(res, "exists", PASS, f"Kubernetes {cluster.get('version', '?')}, {cluster.get('status', '?')}")

        enabled = sorted(
            {
                t
                for entry in cluster.get("logging", {}).get("clusterLogging", [])
                if entry.get("enabled")
                for t in entry.get("types", [])
            }
        )
        missing = [t for t in REQUIRED_LOG_TYPES if t not in enabled]
        yield Check(
            res,
            "control-plane logging",
            FAIL if missing else PASS,
            f"missing: {', '.join(missing)}" if missing else f"enabled: {', '.join(enabled)}",
        )

        keys = [
            c.get("provider", {}).get("keyArn")
            for c in cluster.get("encryptionConfig") or []
            if "secrets" in c.get("resources", []) and c.get("provider", {}).get("keyArn")
        ]
        yield Check(
            res, "secrets encryption", PASS if keys else FAIL, f"KMS {keys[0]}" if keys else "no encryptionConfig for secrets"
        )

    def node_group(self, cluster: str, pool: str, name: str) -> Iterator[Check]:
        res = f"eks:{cluster}/{name}"
        try:
            group = self.aws.eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
        except ClientError as exc:
            yield Check(res, "exists", FAIL, _not_found_or_unreadable(exc, f"{pool} pool node group not found"))
            return
        yield Check(res, "exists", PASS, f"{pool} pool")
        ami = group.get("amiType", "")
        yield Check(
            res,
            "NVIDIA AMI type",
            PASS if ami in NVIDIA_AMI_TYPES else FAIL,
            ami if ami in NVIDIA_AMI_TYPES else f"{ami or 'none'}, want one of {', '.join(sorted(NVIDIA_AMI_TYPES))}",
        )
        taints = group.get("taints") or []
        found = any(t.get("key") == GPU_TAINT_KEY and t.get("effect") == GPU_TAINT_EFFECT for t in taints)
        yield Check(
            res,
            "GPU taint",
            PASS if found else FAIL,
            f"{GPU_TAINT_KEY}:{GPU_TAINT_EFFECT}" if found else f"no {GPU_TAINT_KEY} taint with effect {GPU_TAINT_EFFECT}",
        )


def _encryption(s3: Any, res: str, name: str) -> Check:
    rules = read_or_none(
        lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"],
        "ServerSideEncryptionConfigurationNotFoundError",
    )
    if not rules:
        return Check(res, "SSE-KMS encryption", FAIL, "no default encryption")
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    algo = default.get("SSEAlgorithm", "")
    if algo not in ("aws:kms", "aws:kms:dsse"):
        return Check(res, "SSE-KMS encryption", FAIL, f"{algo or 'none'}, want aws:kms")
    return Check(res, "SSE-KMS encryption", PASS, f"{algo} {default.get('KMSMasterKeyID', '(aws/s3 key)')}")


def _versioning(s3: Any, res: str, name: str) -> Check:
    status = s3.get_bucket_versioning(Bucket=name).get("Status")
    return Check(res, "versioning", PASS if status == "Enabled" else FAIL, status or "never enabled")


def _public_access(s3: Any, res: str, name: str) -> Check:
    pab = read_or_none(
        lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        "NoSuchPublicAccessBlockConfiguration",
    )
    if pab is None:
        return Check(res, "public access blocked", FAIL, "no public access block")
    off = [k for k in PAB_KEYS if not pab.get(k)]
    return Check(res, "public access blocked", FAIL if off else PASS, f"off: {', '.join(off)}" if off else "all four on")


def _cannot_read(exc: ClientError) -> str:
    err = exc.response.get("Error", {})
    return f"cannot read: {err.get('Code')}: {err.get('Message', '')}"


def _not_found_or_unreadable(exc: ClientError, not_found: str) -> str:
    """EKS answers ResourceNotFoundException for a missing cluster or node group."""
    return not_found if error_code(exc) == "ResourceNotFoundException" else _cannot_read(exc)


def run(
    outputs_path: Path, region: str | None = None, aws: Aws | None = None, kube: Callable[[], Any] | None = None
) -> VerifyResult:
    """All checks for one stack's outputs. Raises AwsError for a bad file or region (a usage error);
    a failed AWS read of one setting fails that check only. ``kube`` builds the Kubernetes API
    reader of the serving checks (default: the EKS cluster, mlinfra/kube.py)."""
    outputs = load_outputs(outputs_path)
    region = region or outputs.region
    if not region:
        raise AwsError(f"{outputs_path}: key 'region' is missing; add it or pass --region")
    check_region(region, "s3", "eks")
    aws = aws or Aws(region)
    account = aws.account_id()  # fails fast, before any row, when there are no credentials
    v = Verifier(aws)
    checks: list[Check] = []
    if outputs.data_lake_buckets:
        checks.append(v.account_public_access(account))
        for zone, bucket in outputs.data_lake_buckets.items():
            checks.extend(v.bucket(zone, bucket))
    else:
        checks.append(Check("data lake", "all", SKIP, "no data_lake_buckets in the stack outputs"))
    for zone, replica in (outputs.data_lake_replica_buckets or {}).items():
        checks.extend(v.replica(zone, (outputs.data_lake_buckets or {})[zone], replica))
    if outputs.cluster_name:
        checks.extend(v.cluster(outputs.cluster_name))
    else:
        checks.append(Check("eks cluster", "all", SKIP, "no cluster_name in the stack outputs"))
    if outputs.gpu_node_groups and outputs.cluster_name:
        for pool, group in outputs.gpu_node_groups.items():
            checks.extend(v.node_group(outputs.cluster_name, pool, group))
    else:
        checks.append(Check("gpu node groups", "all", SKIP, "no gpu_node_groups in the stack outputs"))
    if outputs.kafka_cluster_arn:
        checks.extend(msk_checks(aws.client("kafka"), outputs.kafka_cluster_arn))
    from mlinfra import verify_serving  # loads the Kubernetes reader only when there are endpoints

    serving = verify_serving.load(outputs_path)
    models = (outputs.data_lake_buckets or {}).get("models")
    checks.extend(verify_serving.serving_checks(aws, serving, models, outputs.cluster_name, kube))
    return VerifyResult(region, account, checks)
