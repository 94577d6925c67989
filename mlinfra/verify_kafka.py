"""`mlinfra verify` checks of the MSK cluster (stack output ``kafka_cluster_arn``), read-only boto3.

One row per property the platform promises: the cluster exists and is ACTIVE; TLS only in
transit (client-broker and in-cluster); IAM client authentication with unauthenticated
access off; encryption at rest with a customer key (not the AWS-managed ``aws/kafka``);
enough brokers; no public access.

moto 5.2 (the tests) implements ``DescribeClusterV2`` and ``DescribeCluster`` and stores the
fields read here as given. It does not implement ``DescribeConfigurationRevision`` or
``GetBootstrapBrokers``, so ``min.insync.replicas`` of the live configuration is not
verified here (the offline policy ``mlinfra-kafka-durability`` checks the planned value).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from mlinfra.aws import error_code
from mlinfra.verify_result import FAIL, PASS, Check

# The AWS-managed key MSK uses when no customer key is given.
AWS_MANAGED_ALIAS = "alias/aws/kafka"


def _provisioned(kafka: Any, arn: str) -> dict[str, Any] | None:
    """The cluster's provisioned description (DescribeClusterV2), or None if it is not provisioned."""
    info = kafka.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
    return (
        {**info.get("Provisioned", {}), "State": info.get("State"), "ClusterName": info.get("ClusterName")}
        if info.get("Provisioned")
        else None
    )


def msk_checks(kafka: Any, arn: str, *, min_brokers: int = 3) -> Iterator[Check]:
    """Rows for one MSK cluster; ``kafka`` is a boto3 ``kafka`` client."""
    res = f"msk:{arn.split(':cluster/')[-1]}" if ":cluster/" in arn else f"msk:{arn}"
    try:
        info = _provisioned(kafka, arn)
    except ClientError as exc:
        missing = error_code(exc) in ("NotFoundException", "ResourceNotFoundException")
        err = exc.response.get("Error", {})
        yield Check(
            res, "exists", FAIL, "cluster not found" if missing else f"cannot read: {err.get('Code')}: {err.get('Message', '')}"
        )
        return
    if info is None:
        yield Check(res, "exists", FAIL, "not a provisioned MSK cluster (the platform creates provisioned clusters)")
        return
    state = info.get("State") or "?"
    yield Check(res, "exists", PASS if state == "ACTIVE" else FAIL, f"{info.get('ClusterName')}: {state}")

    transit = info.get("EncryptionInfo", {}).get("EncryptionInTransit", {})
    client_broker, in_cluster = transit.get("ClientBroker", "TLS"), transit.get("InCluster", True)
    tls_ok = client_broker == "TLS" and in_cluster is True
    yield Check(res, "TLS in transit", PASS if tls_ok else FAIL, f"clientBroker={client_broker}, inCluster={in_cluster}")

    auth = info.get("ClientAuthentication", {})
    iam = auth.get("Sasl", {}).get("Iam", {}).get("Enabled") is True
    anonymous = auth.get("Unauthenticated", {}).get("Enabled") is True or not auth
    detail = ", ".join(f for f, on in (("IAM on", iam), ("unauthenticated ON", anonymous)) if on) or "no IAM"
    yield Check(res, "IAM auth, no anonymous", PASS if iam and not anonymous else FAIL, detail)

    key = info.get("EncryptionInfo", {}).get("EncryptionAtRest", {}).get("DataVolumeKMSKeyId", "")
    customer = bool(key) and AWS_MANAGED_ALIAS not in key
    yield Check(res, "encrypted with a customer key", PASS if customer else FAIL, key or "AWS-managed key (aws/kafka)")

    brokers = int(info.get("NumberOfBrokerNodes") or 0)
    yield Check(res, "broker count", PASS if brokers >= min_brokers else FAIL, f"{brokers} brokers (want >= {min_brokers})")

    public = info.get("BrokerNodeGroupInfo", {}).get("ConnectivityInfo", {}).get("PublicAccess", {}).get("Type", "DISABLED")
    yield Check(res, "no public access", PASS if public == "DISABLED" else FAIL, f"public access {public}")
