"""Strimzi delivery builders: KafkaConnect and the S3 sink KafkaConnector against the 1.2.0 v1 shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from components._crd import custom_object
from components.kafka._strimzi import CLUSTER_LABEL, USE_CONNECTOR_RESOURCES
from components.kafka._strimzi_connect import (
    ConnectSpec,
    S3SinkSpec,
    connect_acls,
    connector_name,
)
from tests._golden import assert_golden_yaml


def _obj(
    kind: str, name: str, namespace: str, spec: dict[str, Any], labels: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return custom_object(kind, metadata_name=name, namespace=namespace, spec=spec, labels=labels, **extra)


SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "strimzi"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/mlinfra/kafka-connect:4.3.1-s3-sink-3.4.1"


def samples() -> dict[str, dict[str, Any]]:
    connect = ConnectSpec(
        team="vision",
        bootstrap_servers="mlinfra-kafka-bootstrap.kafka.svc:9093",
        ca_secret="mlinfra-cluster-ca-cert",
        authentication="scram-sha-512",
        user="lake-vision",
        image=IMAGE,
    )
    tls = ConnectSpec(**{**connect.__dict__, "authentication": "tls"})
    sink = S3SinkSpec(
        topic="vision.clicks",
        bucket="mlinfra-dev-raw-123456789012-us-west-2",
        region="us-west-2",
        prefix="teams/vision/kafka/clicks/",
    )
    annotations = {USE_CONNECTOR_RESOURCES: "true"}
    connect_obj = _obj("KafkaConnect", "lake-vision", "kafka", connect.spec(), annotations=annotations)
    tls_obj = _obj("KafkaConnect", "lake-vision", "kafka", tls.spec(), annotations=annotations)
    return {
        "connect.scram": connect_obj,
        "connect.tls": tls_obj,
        "connector.s3-sink": _obj(
            "KafkaConnector", connector_name("vision", "vision.clicks"), "kafka", sink.spec(), {CLUSTER_LABEL: "lake-vision"}
        ),
    }


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{kind.lower()}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(samples()))
def test_object_matches_the_v1_schema_and_its_golden_file(name: str) -> None:
    obj = samples()[name]
    jsonschema.validate(obj, _schema(obj["kind"]))
    assert_golden_yaml(f"strimzi/{name}.yaml", obj)


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [
        ("connect.scram", lambda o: o["spec"].pop("groupId"), "'groupId' is a required property"),
        ("connect.scram", lambda o: o["spec"].update(image=["a", "b"]), "is not of type 'string'"),
        ("connect.scram", lambda o: o["spec"].update(build={"plugins": []}), "Additional properties are not allowed"),
        ("connect.scram", lambda o: o["spec"]["authentication"].update(type="scram-sha-1"), "is not one of"),
        ("connector.s3-sink", lambda o: o["spec"].update(tasksMax=0), "less than the minimum"),
    ],
)
def test_schema_rejects_what_strimzi_1_2_rejects(name: str, mutate: Any, expected: str) -> None:
    obj = copy.deepcopy(samples()[name])
    mutate(obj)
    with pytest.raises(jsonschema.ValidationError, match=expected):
        jsonschema.validate(obj, _schema(obj["kind"]))


def test_connect_runs_the_prebuilt_image_and_builds_nothing() -> None:
    for name in ("connect.scram", "connect.tls"):
        spec = samples()[name]["spec"]
        assert spec["image"] == IMAGE, name
        # Strimzi 1.2.0's restricted PodSecurityProvider refuses spec.build (no Kaniko/Buildah pod).
        assert "build" not in spec, name


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("kafka-connect:1", "must be a full image reference"),
        ("quay.io/strimzi/kafka", "must be pinned by a tag other than 'latest' or by a digest"),
        ("quay.io/strimzi/kafka:latest", "must be pinned by a tag other than 'latest' or by a digest"),
    ],
)
def test_connect_image_must_be_a_full_pinned_reference(image: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"KafkaConnect of team vision: image {message}"):
        ConnectSpec(
            team="vision", bootstrap_servers="b:9093", ca_secret="ca", authentication="tls", user="lake-vision", image=image
        )
    digest = f"quay.io/strimzi/kafka@sha256:{'0' * 64}"
    assert (
        ConnectSpec(
            team="vision", bootstrap_servers="b:9093", ca_secret="ca", authentication="tls", user="lake-vision", image=digest
        ).spec()["image"]
        == digest
    ), "a digest alone pins the image"


def test_connect_user_reads_only_the_delivered_topics() -> None:
    acls = [a.spec() for a in connect_acls("vision", ("vision.clicks",))]
    topics = {
        (a["resource"]["name"], a["resource"]["patternType"]): a["operations"] for a in acls if a["resource"]["type"] == "topic"
    }
    assert topics == {
        ("lake-vision.", "prefix"): ["Create", "Describe", "DescribeConfigs", "Read", "Write"],
        ("vision.clicks", "literal"): ["Describe", "Read"],
    }
    sink = samples()["connector.s3-sink"]["spec"]["config"]
    assert sink["file.name.prefix"] == "teams/vision/kafka/clicks/" and sink["topics"] == "vision.clicks"
