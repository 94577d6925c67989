"""`mlinfra verify`: live checks of the stack outputs, verified offline against moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from mlinfra import verify
from mlinfra.aws import Aws
from mlinfra.cli import app
from tests.mlinfra.conftest import ACCOUNT, client, run_mlinfra, server_client

runner = CliRunner()
REGION = "us-west-2"
CLUSTER = "mlinfra-dev"
ZONES = {"raw": "acme-lake-raw", "curated": "acme-lake-curated"}
LOG_BUCKET = "acme-lake-access-logs"
POOLS = {"a10g": "gpu-a10g", "h100": "gpu-h100"}
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}
Clients = Callable[[str], Any]
PAB_ON = dict.fromkeys(verify.PAB_KEYS, True)


def secure_bucket(s3: Any, bucket: str, key_arn: str) -> None:
    """What the lake sets on every bucket it owns (zones and replicas): SSE-KMS with its key and
    a bucket key, versioning, all four public access block settings."""
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PAB_ON)


def build_good_platform(client: Clients) -> dict[str, Any]:
    """What the stack should have deployed: every check passes. Returns the stack outputs."""
    s3, kms, eks = client("s3"), client("kms"), client("eks")
    client("s3control").put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=PAB_ON)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    loc = {"LocationConstraint": REGION}
    s3.create_bucket(Bucket=LOG_BUCKET, CreateBucketConfiguration=loc)
    # S3 (and moto) require the target bucket to let the logging service write.
    s3.put_bucket_policy(
        Bucket=LOG_BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{LOG_BUCKET}/*",
                    }
                ],
            }
        ),
    )
    for zone, bucket in ZONES.items():
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=loc)
        secure_bucket(s3, bucket, key_arn)
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "tiering",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Transitions": [{"Days": 30, "StorageClass": "INTELLIGENT_TIERING"}],
                    }
                ]
            },
        )
        s3.put_bucket_logging(
            Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": LOG_BUCKET, "TargetPrefix": f"{zone}/"}}
        )
    eks.create_cluster(
        name=CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator"], "enabled": True}]},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key_arn}}],
    )
    for group in POOLS.values():
        eks.create_nodegroup(
            clusterName=CLUSTER,
            nodegroupName=group,
            subnets=["subnet-1"],
            nodeRole="arn:aws:iam::123456789012:role/node",
            amiType="AL2023_x86_64_NVIDIA",
            taints=[GPU_TAINT],
        )
    return {
        "region": REGION,
        "data_lake_buckets": ZONES,
        "cluster_name": CLUSTER,
        "gpu_node_groups": POOLS,
        "kubeconfig": "[secret]",
        # No endpoints: nothing to check in Kubernetes (tests/mlinfra/test_verify_serving.py does).
        "serving_endpoints": [],
    }


def local_client(service: str) -> Any:
    return client(service, REGION)


def write(tmp_path: Path, outputs: Any, name: str = "outputs.json") -> Path:
    path = tmp_path / name
    path.write_text(outputs if isinstance(outputs, str) else json.dumps(outputs), encoding="utf-8")
    return path


def invoke(path: Path, *extra: str) -> Any:
    return runner.invoke(app, ["verify", "--stack-outputs", str(path), *extra])


def failures(stdout: str) -> set[tuple[str, str]]:
    return {(c["resource"], c["check"]) for c in json.loads(stdout) if c["result"] == "fail"}


def test_good_platform_passes_every_check(moto: None, tmp_path: Path) -> None:
    path = write(tmp_path, build_good_platform(local_client))
    result = invoke(path, "--json")
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)
    assert {c["result"] for c in checks} == {"pass"}, [c for c in checks if c["result"] != "pass"]
    per_bucket = {
        "exists",
        "region",
        "SSE-KMS encryption",
        "versioning",
        "public access blocked",
        "lifecycle rules",
        "access logging",
    }
    for bucket in ZONES.values():
        assert {c["check"] for c in checks if c["resource"] == f"s3://{bucket}"} == per_bucket, bucket
    assert {c["check"] for c in checks if c["resource"] == f"eks:{CLUSTER}"} == {
        "exists",
        "control-plane logging",
        "secrets encryption",
    }
    for group in POOLS.values():
        assert {c["check"] for c in checks if c["resource"] == f"eks:{CLUSTER}/{group}"} == {
            "exists",
            "NVIDIA AMI type",
            "GPU taint",
        }
    (account,) = [c for c in checks if c["resource"] == f"account:{ACCOUNT}"]
    assert (account["check"], account["detail"]) == ("S3 Block Public Access (account)", "all four on")


@pytest.mark.parametrize(
    ("setting", "detail"),
    [
        (None, "not configured for the account"),
        ({**PAB_ON, "BlockPublicPolicy": False}, "off: BlockPublicPolicy"),
        ({**PAB_ON, "IgnorePublicAcls": False, "RestrictPublicBuckets": False}, "off: IgnorePublicAcls, RestrictPublicBuckets"),
    ],
)
def test_account_block_public_access_off_or_missing_fails(
    moto: None, tmp_path: Path, setting: dict[str, bool] | None, detail: str
) -> None:
    outputs = build_good_platform(local_client)
    s3control = local_client("s3control")
    if setting is None:
        s3control.delete_public_access_block(AccountId=ACCOUNT)
    else:
        s3control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=setting)
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 1, result.output
    assert failures(result.stdout) == {(f"account:{ACCOUNT}", "S3 Block Public Access (account)")}
    (row,) = [c for c in json.loads(result.stdout) if c["resource"] == f"account:{ACCOUNT}"]
    assert row["detail"] == detail


def test_account_block_public_access_is_not_checked_without_lake_buckets(moto: None, tmp_path: Path) -> None:
    outputs = {k: v for k, v in build_good_platform(local_client).items() if k != "data_lake_buckets"}
    local_client("s3control").delete_public_access_block(AccountId=ACCOUNT)
    result = invoke(write(tmp_path, outputs), "--json")
    assert not [c for c in json.loads(result.stdout) if c["resource"].startswith("account:")]


def test_human_output_is_a_table_with_a_summary(moto: None, tmp_path: Path) -> None:
    path = write(tmp_path, build_good_platform(local_client))
    result = invoke(path)
    assert result.exit_code == 0, result.output
    for header in ("resource", "check", "result", "detail"):
        assert header in result.stdout
    assert "24 passed, 0 failed, 0 skipped" in result.stdout


RAW, CURATED = f"s3://{ZONES['raw']}", f"s3://{ZONES['curated']}"
A10G = f"eks:{CLUSTER}/{POOLS['a10g']}"


def _unencrypted(c: Clients) -> None:
    c("s3").delete_bucket_encryption(Bucket=ZONES["raw"])


def _sse_s3(c: Clients) -> None:
    c("s3").put_bucket_encryption(
        Bucket=ZONES["raw"],
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )


def _suspended(c: Clients) -> None:
    c("s3").put_bucket_versioning(Bucket=ZONES["curated"], VersioningConfiguration={"Status": "Suspended"})


def _public(c: Clients) -> None:
    c("s3").put_public_access_block(
        Bucket=ZONES["raw"],
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )


def _no_pab(c: Clients) -> None:
    c("s3").delete_public_access_block(Bucket=ZONES["raw"])


def _no_lifecycle(c: Clients) -> None:
    c("s3").delete_bucket_lifecycle(Bucket=ZONES["curated"])


def _no_logging(c: Clients) -> None:
    c("s3").put_bucket_logging(Bucket=ZONES["raw"], BucketLoggingStatus={})


def _no_cluster_logs(c: Clients) -> None:
    # Real EKS merges this per log type; moto 5.2 replaces the whole setting, so send both halves.
    c("eks").update_cluster_config(
        name=CLUSTER,
        logging={
            "clusterLogging": [{"types": ["api", "authenticator"], "enabled": True}, {"types": ["audit"], "enabled": False}]
        },
    )


def _untainted(c: Clients) -> None:
    c("eks").delete_nodegroup(clusterName=CLUSTER, nodegroupName=POOLS["a10g"])
    c("eks").create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName=POOLS["a10g"],
        subnets=["subnet-1"],
        nodeRole="arn:aws:iam::123456789012:role/node",
        amiType="AL2023_x86_64_NVIDIA",
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "PREFER_NO_SCHEDULE"}],
    )


def _standard_ami(c: Clients) -> None:
    c("eks").delete_nodegroup(clusterName=CLUSTER, nodegroupName=POOLS["a10g"])
    c("eks").create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName=POOLS["a10g"],
        subnets=["subnet-1"],
        nodeRole="arn:aws:iam::123456789012:role/node",
        amiType="AL2023_x86_64_STANDARD",
        taints=[GPU_TAINT],
    )


def _missing_bucket(c: Clients) -> None:
    s3 = c("s3")
    s3.delete_bucket(Bucket=ZONES["curated"])


def _disabled_lifecycle(c: Clients) -> None:
    c("s3").put_bucket_lifecycle_configuration(
        Bucket=ZONES["raw"],
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "tiering",
                    "Status": "Disabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": 30, "StorageClass": "INTELLIGENT_TIERING"}],
                }
            ]
        },
    )


def _bucket_in_another_region(c: Clients) -> None:
    # The stack expects the lake in REGION; a bucket of the same name elsewhere is not the lake.
    c("s3").delete_bucket(Bucket=ZONES["curated"])
    client("s3", "eu-west-1").create_bucket(
        Bucket=ZONES["curated"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )


def _missing_node_group(c: Clients) -> None:
    c("eks").delete_nodegroup(clusterName=CLUSTER, nodegroupName=POOLS["a10g"])


@pytest.mark.parametrize(
    "breakage, expected, detail",
    [
        (_unencrypted, {(RAW, "SSE-KMS encryption")}, "no default encryption"),
        (_sse_s3, {(RAW, "SSE-KMS encryption")}, "AES256, want aws:kms"),
        (_suspended, {(CURATED, "versioning")}, "Suspended"),
        (_public, {(RAW, "public access blocked")}, "off: BlockPublicPolicy"),
        (_no_pab, {(RAW, "public access blocked")}, "no public access block"),
        (_no_lifecycle, {(CURATED, "lifecycle rules")}, "no lifecycle configuration"),
        (_no_logging, {(RAW, "access logging")}, "server access logging off"),
        (_no_cluster_logs, {(f"eks:{CLUSTER}", "control-plane logging")}, "missing: audit"),
        (_untainted, {(A10G, "GPU taint")}, "no nvidia.com/gpu taint with effect NO_SCHEDULE"),
        (_standard_ami, {(A10G, "NVIDIA AMI type")}, "AL2023_x86_64_STANDARD, want one of"),
        (_missing_bucket, {(CURATED, "exists")}, "curated zone bucket not found"),
        (_disabled_lifecycle, {(RAW, "lifecycle rules")}, "every rule is Disabled"),
        (_missing_node_group, {(A10G, "exists")}, "a10g pool node group not found"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_each_misconfiguration_is_caught_and_only_it(
    moto: None, tmp_path: Path, breakage: Callable[[Clients], None], expected: set[tuple[str, str]], detail: str
) -> None:
    path = write(tmp_path, build_good_platform(local_client))
    breakage(local_client)
    result = invoke(path, "--json")
    assert result.exit_code == 1, result.output
    assert failures(result.stdout) == expected
    (failed,) = [c for c in json.loads(result.stdout) if c["result"] == "fail"]
    assert detail in failed["detail"], failed


def test_cluster_without_secrets_encryption_fails(moto: None, tmp_path: Path) -> None:
    eks = local_client("eks")
    eks.create_cluster(
        name="plain",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["s"]},
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator", "scheduler"], "enabled": True}]},
    )
    result = invoke(write(tmp_path, {"region": REGION, "cluster_name": "plain"}), "--json")
    assert result.exit_code == 1, result.output
    assert failures(result.stdout) == {("eks:plain", "secrets encryption")}


def test_missing_cluster_fails_exists_and_skips_its_node_groups(moto: None, tmp_path: Path) -> None:
    result = invoke(write(tmp_path, {"region": REGION, "cluster_name": "gone", "gpu_node_groups": {"a10g": "g"}}), "--json")
    assert result.exit_code == 1, result.output
    checks = [(c["resource"], c["check"], c["result"], c["detail"]) for c in json.loads(result.stdout)]
    assert checks == [
        ("data lake", "all", "skip", "no data_lake_buckets in the stack outputs"),
        ("eks:gone", "exists", "fail", "cluster not found"),
        ("eks:gone/g", "exists", "fail", "a10g pool node group not found"),
        ("serving endpoints", "all", "skip", "no serving_endpoints in the stack outputs"),
    ]


def test_access_denied_on_describe_cluster_fails_that_row_not_the_run(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    aws = Aws(REGION)
    denied = ClientError(
        {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized: eks:DescribeCluster"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        },
        "DescribeCluster",
    )

    def describe_cluster(**_: Any) -> Any:
        raise denied

    aws.eks.describe_cluster = describe_cluster
    result = verify.run(write(tmp_path, outputs), aws=aws)
    failed = [(c.resource, c.check, c.detail) for c in result.checks if c.result == "fail"]
    assert failed == [(f"eks:{CLUSTER}", "exists", "cannot read: AccessDeniedException: not authorized: eks:DescribeCluster")]
    assert {c.resource for c in result.checks if c.result == "pass"} >= {RAW, CURATED, A10G}


def test_missing_optional_keys_skip_with_a_note(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    del outputs["gpu_node_groups"], outputs["cluster_name"]
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 0, result.output
    skipped = [c for c in json.loads(result.stdout) if c["result"] == "skip"]
    assert {(c["resource"], c["detail"]) for c in skipped} == {
        ("eks cluster", "no cluster_name in the stack outputs"),
        ("gpu node groups", "no gpu_node_groups in the stack outputs"),
    }
    human = invoke(write(tmp_path, outputs))
    assert "no gpu_node_groups in the stack outputs" in human.stdout and "2 skipped" in human.stdout


def test_region_option_overrides_the_output(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    outputs["region"] = "eu-west-1"  # the buckets are in us-west-2: checked there, all pass
    del outputs["cluster_name"], outputs["gpu_node_groups"]
    assert invoke(write(tmp_path, outputs), "--region", REGION).exit_code == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("<dir>", "cannot read: Is a directory"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object of stack outputs, got list"),
        ({"data_lake_buckets": {"raw": "b-raw"}}, "key 'region' is missing"),
        ({"region": 5, "cluster_name": "c"}, "key 'region' must be a region name"),
        ({"region": REGION, "data_lake_buckets": ["b-raw"]}, "key 'data_lake_buckets' must be an object of zone -> bucket name"),
        ({"region": REGION, "data_lake_buckets": {"raw": 3}}, "key 'data_lake_buckets' must be an object"),
        ({"region": REGION, "cluster_name": ""}, "key 'cluster_name' must be a non-empty string"),
        ({"region": REGION, "gpu_node_groups": {"a10g": "g"}}, "key 'cluster_name' is missing"),
        ({"region": REGION, "cluster_name": "c", "gpu_node_groups": "g"}, "key 'gpu_node_groups' must be an object"),
        ({"region": REGION}, "none of the keys data_lake_buckets, cluster_name, gpu_node_groups, kafka_cluster_arn is present"),
        ({"region": "mars-1", "cluster_name": "c"}, "unsupported region 'mars-1'"),
    ],
)
def test_bad_outputs_file_is_exit_2_naming_file_and_key(moto: None, tmp_path: Path, content: Any, message: str) -> None:
    if content == "<dir>":
        path = tmp_path
    else:
        path = tmp_path / "outputs.json" if content is None else write(tmp_path, content)
    result = invoke(path)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr
    if "region 'mars-1'" not in message:
        assert str(path) in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_missing_credentials_is_exit_2(no_credentials: None, tmp_path: Path) -> None:
    result = invoke(write(tmp_path, {"region": REGION, "cluster_name": "c"}))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: no AWS credentials found"), result.stderr
    assert result.stdout == ""  # nothing half-printed before the error


def test_access_denied_on_one_read_fails_that_check_only(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    aws = Aws(REGION)
    # moto does not enforce IAM; answer one read the way S3 does for a caller without permission.
    original = aws.s3.get_bucket_lifecycle_configuration

    def denied(**kwargs: Any) -> Any:
        if kwargs["Bucket"] == ZONES["raw"]:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
                "GetBucketLifecycleConfiguration",
            )
        return original(**kwargs)

    aws.s3.get_bucket_lifecycle_configuration = denied
    result = verify.run(write(tmp_path, outputs), aws=aws)
    failed = [c for c in result.checks if c.result == "fail"]
    assert [(c.resource, c.check) for c in failed] == [(RAW, "lifecycle rules")]
    assert failed[0].detail == "cannot read: AccessDenied: Access Denied"


def test_run_returns_the_checks_without_a_console(moto: None, tmp_path: Path) -> None:
    """The domain function alone: every check as data, ``failed`` and the counts the CLI uses."""
    outputs = build_good_platform(local_client)
    _unencrypted(local_client)
    result = verify.run(write(tmp_path, outputs))
    assert (result.region, result.account) == (REGION, ACCOUNT)
    assert result.failed is True
    assert [(c.resource, c.check) for c in result.checks if c.result == "fail"] == [(RAW, "SSE-KMS encryption")]
    assert result.counts() == {"pass": len(result.checks) - 1, "fail": 1, "skip": 0}
    assert result.to_json()[1] == {"resource": RAW, "check": "exists", "result": "pass", "detail": "raw zone"}
    healthy = [c for c in result.checks if c.resource != RAW]
    assert healthy and all(c.result == "pass" for c in healthy)


# -- end to end: `python -m mlinfra verify` against moto_server ---------------------------------


def test_end_to_end_against_moto_server(moto_server: str, tmp_path: Path) -> None:
    def remote(service: str) -> Any:
        return server_client(moto_server, service, REGION)

    path = write(tmp_path, build_good_platform(remote))
    cmd = ["verify", "--stack-outputs", str(path), "--json"]
    good = run_mlinfra(moto_server, *cmd)
    assert good.returncode == 0, good.stderr
    assert {c["result"] for c in json.loads(good.stdout)} == {"pass"}

    _suspended(remote)
    _standard_ami(remote)
    bad = run_mlinfra(moto_server, *cmd)
    assert bad.returncode == 1, bad.stderr
    assert failures(bad.stdout) == {(CURATED, "versioning"), (A10G, "NVIDIA AMI type")}

    human = run_mlinfra(moto_server, *cmd[:-1])
    assert human.returncode == 1 and "22 passed, 2 failed, 0 skipped" in human.stdout, human.stdout


def test_a_lake_bucket_in_another_region_fails_the_region_check(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    _bucket_in_another_region(local_client)
    result = verify.run(write(tmp_path, outputs))
    (region,) = [c for c in result.checks if (c.resource, c.check) == (CURATED, "region")]
    assert region.result == "fail" and region.detail == f"eu-west-1, want {REGION}", region


# -- disaster-recovery replicas -------------------------------------------------------------
REPLICA_REGION = "us-east-1"
RAW_REPLICA = "acme-lake-raw-replica"


def _alarm(region: str, metric: str, *, subscribed: bool = True) -> None:
    """A CloudWatch alarm on ``metric`` of the raw zone's rule, notifying a topic, as the lake makes them."""
    topic = client("sns", region).create_topic(Name="acme-data-lake-replication-alarms")["TopicArn"]
    if subscribed:
        client("sns", region).subscribe(TopicArn=topic, Protocol="email", Endpoint="platform@example.com")
    client("cloudwatch", region).put_metric_alarm(
        AlarmName=f"acme-raw-{metric}",
        Namespace="AWS/S3",
        MetricName=metric,
        Dimensions=[
            {"Name": "SourceBucket", "Value": ZONES["raw"]},
            {"Name": "DestinationBucket", "Value": RAW_REPLICA},
            {"Name": "RuleId", "Value": "raw"},
        ],
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=3,
        Threshold=1800,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )


def _replicate_raw(
    replica_region: str = REPLICA_REGION,
    *,
    rule: bool = True,
    replica_key: bool = True,
    metrics: bool = True,
    alarms: bool = True,
    subscribed: bool = True,
) -> str:
    """A replica of the raw zone as the lake builds it in prod; returns the replica bucket name."""
    s3 = client("s3", replica_region)
    kms = client("kms", replica_region)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    kwargs: dict[str, Any] = {"Bucket": RAW_REPLICA}
    if replica_region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": replica_region}
    s3.create_bucket(**kwargs)
    secure_bucket(s3, RAW_REPLICA, key_arn)
    if rule:
        destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{RAW_REPLICA}"}
        if replica_key:
            destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": key_arn}
        if metrics:
            destination["Metrics"] = {"Status": "Enabled"}
        local_client("s3").put_bucket_replication(
            Bucket=ZONES["raw"],
            ReplicationConfiguration={
                "Role": "arn:aws:iam::123456789012:role/replication",
                "Rules": [
                    {
                        "ID": "raw",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Enabled"},
                        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                        "Destination": destination,
                    }
                ],
            },
        )
    if alarms:
        _alarm(replica_region, "ReplicationLatency", subscribed=subscribed)
        _alarm(REGION, "OperationsFailedReplication", subscribed=subscribed)
    return RAW_REPLICA


def _replica_rows(stdout: str) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in json.loads(stdout) if c["resource"] == f"s3://{RAW_REPLICA}"}


def test_a_replica_in_a_second_region_fed_by_the_source_passes(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    outputs["data_lake_replica_buckets"] = {"raw": _replicate_raw()}
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 0, result.output
    rows = _replica_rows(result.stdout)
    assert set(rows) == {
        "exists",
        "another region",
        "SSE-KMS encryption",
        "versioning",
        "public access blocked",
        "replicated from",
        "lag alarm",
        "failure alarm",
    }
    assert {r["result"] for r in rows.values()} == {"pass"}, rows
    assert rows["lag alarm"]["detail"].startswith("acme-raw-ReplicationLatency -> arn:aws:sns:us-east-1:"), rows
    assert rows["failure alarm"]["detail"].startswith(f"acme-raw-OperationsFailedReplication -> arn:aws:sns:{REGION}:"), rows
    assert rows["another region"]["detail"] == REPLICA_REGION
    assert rows["replicated from"]["detail"] == f"s3://{ZONES['raw']} (rule raw)"


@pytest.mark.parametrize(
    ("setup", "check", "detail"),
    [
        (lambda: _replicate_raw(rule=False), "replicated from", "has no enabled replication rule to this bucket"),
        (lambda: _replicate_raw(replica_key=False), "replicated from", "replicates here without a replica KMS key"),
        (lambda: _replicate_raw(metrics=False), "replicated from", "replicates here without replication metrics (no lag signal)"),
        (lambda: _replicate_raw(REGION), "another region", "the same region as the lake"),
    ],
    ids=["no-rule", "no-replica-key", "no-metrics", "same-region"],
)
def test_a_replica_that_would_not_survive_a_region_loss_fails(
    moto: None, tmp_path: Path, setup: Callable[[], str], check: str, detail: str
) -> None:
    outputs = build_good_platform(local_client)
    outputs["data_lake_replica_buckets"] = {"raw": setup()}
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 1, result.output
    assert failures(result.stdout) == {(f"s3://{RAW_REPLICA}", check)}
    assert detail in _replica_rows(result.stdout)[check]["detail"]


@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        ({"alarms": False}, "no CloudWatch alarm on AWS/S3 {metric} for s3://"),
        ({"subscribed": False}, "acme-raw-{metric} notifies no one: actions off or no confirmed SNS subscription"),
    ],
    ids=["no-alarms", "no-subscriber"],
)
def test_replication_alarms_that_tell_no_one_fail(moto: None, tmp_path: Path, kwargs: dict[str, bool], detail: str) -> None:
    outputs = build_good_platform(local_client)
    outputs["data_lake_replica_buckets"] = {"raw": _replicate_raw(**kwargs)}
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 1, result.output
    res = f"s3://{RAW_REPLICA}"
    assert failures(result.stdout) == {(res, "lag alarm"), (res, "failure alarm")}
    rows = _replica_rows(result.stdout)
    assert detail.format(metric="ReplicationLatency") in rows["lag alarm"]["detail"], rows
    assert detail.format(metric="OperationsFailedReplication") in rows["failure alarm"]["detail"], rows


def test_a_missing_replica_fails_exists_only(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    outputs["data_lake_replica_buckets"] = {"raw": "no-such-replica"}
    result = invoke(write(tmp_path, outputs), "--json")
    assert result.exit_code == 1, result.output
    assert failures(result.stdout) == {("s3://no-such-replica", "exists")}


def test_a_replica_of_an_unknown_zone_is_a_bad_outputs_file(moto: None, tmp_path: Path) -> None:
    outputs = build_good_platform(local_client)
    outputs["data_lake_replica_buckets"] = {"gold": "x-replica"}
    result = invoke(write(tmp_path, outputs))
    assert result.exit_code == 2, result.output
    assert "'data_lake_replica_buckets' names zones ['gold'] that data_lake_buckets does not have" in result.stderr
