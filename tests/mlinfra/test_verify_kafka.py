"""MSK checks of `mlinfra verify`, against moto's Kafka API (DescribeClusterV2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlinfra.verify import FAIL, PASS
from mlinfra.verify_kafka import msk_checks
from tests.mlinfra.conftest import client

REGION = "us-west-2"
GOOD: dict[str, Any] = {
    "ClusterName": "mlinfra-prod",
    "KafkaVersion": "3.8.x",
    "NumberOfBrokerNodes": 3,
    "BrokerNodeGroupInfo": {
        "ClientSubnets": ["subnet-a", "subnet-b", "subnet-c"],
        "InstanceType": "kafka.m7g.large",
        "SecurityGroups": ["sg-1"],
        "ConnectivityInfo": {"PublicAccess": {"Type": "DISABLED"}},
    },
    "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}, "Unauthenticated": {"Enabled": False}},
    "EncryptionInfo": {
        "EncryptionAtRest": {"DataVolumeKMSKeyId": "arn:aws:kms:us-west-2:123456789012:key/abc"},
        "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True},
    },
}


def _results(**overrides: Any) -> dict[str, tuple[str, str]]:
    kafka = client("kafka", REGION)
    arn = kafka.create_cluster(**{**GOOD, **overrides})["ClusterArn"]
    return {c.check: (c.result, c.detail) for c in msk_checks(kafka, arn)}


@pytest.mark.usefixtures("aws_env")
@mock_aws
def test_good_cluster_passes_every_property_check() -> None:
    results = _results()
    assert {k: v[0] for k, v in results.items() if k != "exists"} == {
        "TLS in transit": PASS,
        "IAM auth, no anonymous": PASS,
        "encrypted with a customer key": PASS,
        "broker count": PASS,
        "no public access": PASS,
    }
    # moto leaves a new cluster in CREATING; the real one is ACTIVE once created.
    assert results["exists"][1].startswith("mlinfra-prod: ")


@pytest.mark.usefixtures("aws_env")
@mock_aws
@pytest.mark.parametrize(
    ("override", "check", "detail"),
    [
        (
            {"EncryptionInfo": {"EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": True}}},
            "TLS in transit",
            "TLS_PLAINTEXT",
        ),
        ({"ClientAuthentication": {"Unauthenticated": {"Enabled": True}}}, "IAM auth, no anonymous", "unauthenticated ON"),
        (
            {"EncryptionInfo": {"EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}}},
            "encrypted with a customer key",
            "aws/kafka",
        ),
        ({"NumberOfBrokerNodes": 2}, "broker count", "2 brokers (want >= 3)"),
    ],
)
def test_each_broken_property_fails_its_row(override: dict[str, Any], check: str, detail: str) -> None:
    result, text = _results(**override)[check]
    assert result == FAIL and detail in text, (check, text)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("code", "detail"), [("NotFoundException", "cluster not found"), ("ForbiddenException", "cannot read: Forbidden")]
)
def test_missing_or_unreadable_cluster_is_one_failed_row(code: str, detail: str) -> None:
    # moto answers an unknown ARN with a server error (KeyError), not NotFoundException, so
    # this case uses botocore's Stubber with the error the real API returns.
    kafka = client("kafka", REGION)
    arn = "arn:aws:kafka:us-west-2:123456789012:cluster/nope/00000000-0000-0000-0000-000000000000-1"
    with Stubber(kafka) as stub:
        stub.add_client_error(
            "describe_cluster_v2", service_error_code=code, http_status_code=404 if code == "NotFoundException" else 403
        )
        rows = list(msk_checks(kafka, arn))
    assert [(r.resource, r.check, r.result) for r in rows] == [
        ("msk:nope/00000000-0000-0000-0000-000000000000-1", "exists", FAIL)
    ]
    assert detail in rows[0].detail


@pytest.mark.usefixtures("aws_env")
@mock_aws
def test_verify_run_adds_the_msk_rows_when_the_outputs_name_a_cluster(tmp_path: Any) -> None:
    from mlinfra import verify

    arn = client("kafka", REGION).create_cluster(**GOOD)["ClusterArn"]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": REGION, "kafka_cluster_arn": arn}))
    result = verify.run(outputs)
    msk = [c for c in result.checks if c.resource.startswith("msk:")]
    assert [c.check for c in msk] == [
        "exists",
        "TLS in transit",
        "IAM auth, no anonymous",
        "encrypted with a customer key",
        "broker count",
        "no public access",
    ]
    assert all(c.result == PASS for c in msk[1:])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"region": REGION, "kafka_cluster_arn": ""}))
    with pytest.raises(verify.AwsError, match="key 'kafka_cluster_arn' must be an MSK cluster ARN"):
        verify.run(bad)
