"""Strimzi builders: every object validates against the v1 shapes of Strimzi 1.2 and matches its golden file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from components._crd import custom_object
from components.kafka._strimzi import (
    CLUSTER_LABEL,
    KafkaSpec,
    NodePoolSpec,
    TopicSpec,
    UserSpec,
    team_acls,
)
from components.kafka._team_secrets import with_user_secret_mirror
from tests._golden import assert_golden_yaml


def _obj(
    kind: str, name: str, namespace: str, spec: dict[str, Any], labels: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return custom_object(kind, metadata_name=name, namespace=namespace, spec=spec, labels=labels, **extra)


SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "strimzi"
LABELS = {CLUSTER_LABEL: "mlinfra"}
CONFIG = {
    "auto.create.topics.enable": False,
    "default.replication.factor": 3,
    "min.insync.replicas": 2,
    "offsets.topic.replication.factor": 3,
}


def samples() -> dict[str, dict[str, Any]]:
    """One object per builder and mode; the keys are the golden file names."""
    pool = NodePoolSpec(replicas=3, roles=("controller", "broker"), size_gib=20, storage_class="mlinfra-gp3-encrypted")
    brokers = NodePoolSpec(
        replicas=6,
        roles=("broker",),
        size_gib=500,
        storage_class="mlinfra-gp3-encrypted",
        resources={"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "8Gi"}},
    )
    scram = UserSpec("scram-sha-512", team_acls("vision.", ("recsys.orders",)), password_secret="kafka-user-vision")
    return {
        "kafka.scram": _obj("Kafka", "mlinfra", "kafka", KafkaSpec(config=CONFIG, metrics_config_map="kafka-metrics").spec()),
        "kafka.tls": _obj(
            "Kafka",
            "mlinfra",
            "kafka",
            KafkaSpec(
                config=CONFIG, metrics_config_map="kafka-metrics", authentication="tls", super_users=("User:CN=admin",)
            ).spec(),
        ),
        "nodepool.dual-role": _obj("KafkaNodePool", "dual-role", "kafka", pool.spec(), LABELS),
        "nodepool.broker": _obj("KafkaNodePool", "broker", "kafka", brokers.spec(), LABELS),
        "topic": _obj(
            "KafkaTopic",
            "vision.clicks",
            "kafka",
            TopicSpec("vision.clicks", 12, 3, {"retention.ms": 604800000, "min.insync.replicas": 2}).spec(),
            LABELS,
        ),
        "user.scram": _obj("KafkaUser", "vision", "kafka", scram.spec(), LABELS),
        "user.tls": _obj("KafkaUser", "vision", "kafka", UserSpec("tls", team_acls("vision.", ())).spec(), LABELS),
        # As components/kafka/_access.py registers it: the key pair is mirrored into the team's namespace.
        "user.tls.mirrored": _obj(
            "KafkaUser",
            "team-vision",
            "kafka",
            with_user_secret_mirror(UserSpec("tls", team_acls("vision.", ())).spec(), "vision", "tls"),
            LABELS,
        ),
    }


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{kind.lower()}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(samples()))
def test_object_matches_the_v1_schema_and_its_golden_file(name: str) -> None:
    obj = samples()[name]
    assert obj["apiVersion"] == "kafka.strimzi.io/v1", name
    jsonschema.validate(obj, _schema(obj["kind"]))
    assert_golden_yaml(f"strimzi/{name}.yaml", obj)


def test_schemas_state_their_upstream_source() -> None:
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        comment = json.loads(path.read_text(encoding="utf-8"))["$comment"]
        assert "at tag 1.2.0" in comment and "packaging/install/cluster-operator/04" in comment, path


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [
        ("kafka.scram", lambda o: o["spec"]["kafka"]["listeners"][0].update(tls="yes"), "is not of type 'boolean'"),
        ("kafka.scram", lambda o: o["spec"]["kafka"]["authorization"].update(type="none"), "is not one of"),
        ("kafka.scram", lambda o: o["spec"].update(zookeeper={"replicas": 3}), "Additional properties"),
        ("nodepool.broker", lambda o: o["spec"].update(roles=["worker"]), "is not one of"),
        ("nodepool.broker", lambda o: o["spec"].pop("storage"), "'storage' is a required property"),
        ("topic", lambda o: o["spec"].update(partitions=0), "less than the minimum"),
        ("user.scram", lambda o: o["spec"]["authorization"]["acls"][0]["resource"].update(patternType="glob"), "is not one of"),
        ("user.scram", lambda o: o.update(apiVersion="kafka.strimzi.io/v1beta2"), "was expected"),
    ],
)
def test_schema_rejects_what_strimzi_1_2_rejects(name: str, mutate: Any, expected: str) -> None:
    obj = copy.deepcopy(samples()[name])
    mutate(obj)
    with pytest.raises(jsonschema.ValidationError, match=expected):
        jsonschema.validate(obj, _schema(obj["kind"]))


def test_kafka_has_one_tls_listener_simple_authorization_and_zone_racks() -> None:
    spec = KafkaSpec(config=CONFIG, metrics_config_map="m").spec()["kafka"]
    assert [(listener["tls"], listener["authentication"]["type"]) for listener in spec["listeners"]] == [(True, "scram-sha-512")]
    assert spec["authorization"] == {"type": "simple"}
    assert spec["rack"]["topologyKey"] == "topology.kubernetes.io/zone"
    assert spec["version"] == "4.3.1" and spec["metadataVersion"] == "4.3-IV0"


def test_team_acls_cover_only_the_prefix_and_granted_topics() -> None:
    acls = [a.spec() for a in team_acls("vision.", ("recsys.orders",))]
    resources = {(a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"]) for a in acls}
    assert resources == {
        ("topic", "vision.", "prefix"),
        ("group", "vision.", "prefix"),
        ("transactionalId", "vision.", "prefix"),
        ("topic", "recsys.orders", "literal"),
    }
    granted = next(a for a in acls if a["resource"]["name"] == "recsys.orders")
    assert granted["operations"] == ["Describe", "Read"], "a granted topic is read-only"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: KafkaSpec(config={}, metrics_config_map="m", kafka_version="3.9.0"), "kafka_version must be one of"),
        (lambda: KafkaSpec(config={}, metrics_config_map="m", authentication="plain"), "authentication must be one of"),  # type: ignore[arg-type]
        (lambda: NodePoolSpec(replicas=0, roles=("broker",), size_gib=1, storage_class="s"), "replicas must be >= 1"),
        (lambda: NodePoolSpec(replicas=1, roles=(), size_gib=1, storage_class="s"), "roles must be"),
        (lambda: UserSpec("scram-sha-512", ()), "password_secret is required"),
        (lambda: UserSpec("tls", (), password_secret="x"), "password_secret is required"),
    ],
)
def test_builder_rejects_bad_input(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_operator_values_watch_one_namespace_and_restrict_operands() -> None:
    from components.kafka._strimzi import STRIMZI_CHART, operator_values

    values = operator_values()
    assert (STRIMZI_CHART.name, STRIMZI_CHART.repository, STRIMZI_CHART.version) == (
        "strimzi-kafka-operator",
        "https://strimzi.io/charts/",
        "1.2.0",
    )
    assert values["watchNamespaces"] == [] and values["watchAnyNamespace"] is False
    assert {"name": "STRIMZI_POD_SECURITY_PROVIDER_CLASS", "value": "restricted"} in values["extraEnvs"]
    assert values["podDisruptionBudget"]["enabled"] is False and operator_values(2)["podDisruptionBudget"]["enabled"] is True
    assert_golden_yaml("helm/strimzi-kafka-operator.yaml", values)


def test_jmx_exporter_rules_parse_and_export_replication_health() -> None:
    import yaml

    from components.kafka._strimzi import jmx_exporter_rules

    config = yaml.safe_load(jmx_exporter_rules())
    names = [rule["name"] for rule in config["rules"]]
    assert "kafka_server_replicamanager_$1" in names and config["lowercaseOutputName"] is True
    assert all(rule["type"] in ("GAUGE", "COUNTER") for rule in config["rules"])
