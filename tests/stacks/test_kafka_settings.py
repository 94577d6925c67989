"""Kafka settings (``mlinfra:kafka``) and the team files' ``kafka:`` section: defaults, and one test per message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from stacks.errors import ConfigError
from stacks.loading import load_settings, settings_from_config
from tests.stacks.support import RECEIVERS, RECEIVERS_YAML
from tests.stacks.test_teams import find, problems, team_doc, write

SOURCE = "stacks/Pulumi.test.yaml"
SINK = {
    "plugin_url": "https://example.com/s3-sink.zip",
    "plugin_sha512": "0" * 128,
    "output_image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/kafka-connect:1",
    "push_secret": "ecr-push",
}
"""The removed ``lake_sink`` setting, as stack files had it."""


def _settings(environment: str = "dev", **config: Any):
    base = {"aws:region": "us-west-2", "mlinfra:environment": environment, **RECEIVERS, **config}
    return settings_from_config(base, stack="test", source=SOURCE)


def _errors(kafka: dict[str, Any], environment: str = "dev", **config: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        _settings(environment, **{"mlinfra:kafka": kafka}, **config)
    return [f"{p.field}: {p.message}" for p in info.value.problems]


@pytest.mark.parametrize(
    ("stack", "backend", "brokers", "replication", "isr"),
    [("dev", "strimzi", 1, 1, 1), ("staging", "msk", 3, 3, 2), ("prod", "msk", 3, 3, 2)],
)
def test_each_environment_has_its_kafka_defaults(stack: str, backend: str, brokers: int, replication: int, isr: int) -> None:
    kafka = load_settings(stack).kafka
    assert (kafka.backend, kafka.brokers, kafka.replication_factor, kafka.min_insync_replicas) == (
        backend,
        brokers,
        replication,
        isr,
    )
    if stack == "dev":
        assert kafka.strimzi.dual_role is True
    else:
        assert kafka.msk.instance_type.startswith("kafka.m7g.")


def test_overrides_merge_and_none_turns_kafka_off() -> None:
    kafka = _settings("staging", **{"mlinfra:kafka": {"msk": {"broker_count": 6}}}).kafka
    assert kafka.msk.broker_count == 6 and kafka.msk.instance_type == "kafka.m7g.large"
    assert _settings(**{"mlinfra:kafka": {"backend": "none"}}).kafka.backend == "none"


@pytest.mark.parametrize(
    ("kafka", "environment", "expected"),
    [
        ({"backend": "kafka"}, "dev", "mlinfra:kafka.backend: must be one of 'msk', 'strimzi' or 'none', got 'kafka'"),
        (
            {"msk": {"broker_count": 4}},
            "staging",
            "mlinfra:kafka.msk.broker_count: must be a multiple of the number of availability zones (3)",
        ),
        (
            {"msk": {"broker_count": 2}, "replication_factor": 2},
            "prod",
            "mlinfra:kafka.msk.broker_count: must be >= 3 in this environment; got 2",
        ),
        (
            {"msk": {"instance_type": "m7g.large"}},
            "staging",
            "mlinfra:kafka.msk.instance_type: must be an MSK standard broker type",
        ),
        (
            {"msk": {"volume_gib": 600, "max_volume_gib": 500}},
            "staging",
            "mlinfra:kafka.msk.max_volume_gib: must be between volume_gib (600)",
        ),
        (
            {"msk": {"storage_target_percent": 90}},
            "staging",
            "mlinfra:kafka.msk.storage_target_percent: Input should be less than or equal to 80",
        ),
        (
            {"msk": {"enhanced_monitoring": "ALL"}},
            "staging",
            "mlinfra:kafka.msk.enhanced_monitoring: must be one of 'DEFAULT', 'PER_BROKER'",
        ),
        (
            {"replication_factor": 4},
            "staging",
            "mlinfra:kafka.replication_factor: must be between 1 and the broker count (3); got 4",
        ),
        (
            {"min_insync_replicas": 4},
            "staging",
            "mlinfra:kafka.min_insync_replicas: must be between 1 and replication_factor (3); got 4",
        ),
        (
            {"replication_factor": 2, "min_insync_replicas": 1},
            "staging",
            "mlinfra:kafka.replication_factor: must be >= 3 on MSK and in prod; got 2",
        ),
        ({"min_insync_replicas": 1}, "staging", "mlinfra:kafka.min_insync_replicas: must be >= 2 on MSK and in prod; got 1"),
        (
            {
                "backend": "strimzi",
                "strimzi": {"brokers": 1, "dual_role": True},
                "replication_factor": 1,
                "min_insync_replicas": 1,
            },
            "prod",
            "mlinfra:kafka.strimzi.brokers: must be >= 3 in prod; got 1",
        ),
        (
            {"backend": "strimzi", "strimzi": {"dual_role": True}},
            "prod",
            "mlinfra:kafka.strimzi.dual_role: prod runs separate controller and broker pools",
        ),
        (
            {"strimzi": {"dual_role": False, "controllers": 2}},
            "dev",
            "mlinfra:kafka.strimzi.controllers: must be odd (a KRaft quorum); got 2",
        ),
        ({"strimzi": {"broker_memory": "4 GB"}}, "dev", "mlinfra:kafka.strimzi.broker_memory"),
        (
            {"strimzi": {"authentication": "plain"}},
            "dev",
            "mlinfra:kafka.strimzi.authentication: must be one of 'scram-sha-512' or 'tls', got 'plain'",
        ),
        ({"topics": {}}, "dev", "mlinfra:kafka.topics"),
        (
            {"strimzi": {"lake_sink": SINK}},
            "dev",
            "mlinfra:kafka.strimzi.lake_sink: was removed: the restricted Pod Security profile forbids Strimzi's "
            "in-cluster build; build the image from templates/kafka/connect.Dockerfile",
        ),
        (
            {"strimzi": {"connect_image": "kafka-connect:1"}},
            "dev",
            "mlinfra:kafka.strimzi.connect_image: must be a full image reference <registry>/<repository>:<tag>",
        ),
        (
            {"strimzi": {"connect_image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/kafka-connect:latest"}},
            "dev",
            "mlinfra:kafka.strimzi.connect_image: must be pinned by a tag other than 'latest' or by a digest",
        ),
    ],
)
def test_each_settings_message(kafka: dict[str, Any], environment: str, expected: str) -> None:
    errors = _errors(kafka, environment)
    assert any(e.startswith(expected) for e in errors), "\n".join(errors)


# -- team files ---------------------------------------------------------------------------
def _teams(tmp_path: Path, **sections: dict[str, Any]) -> Path:
    for name, section in sections.items():
        write(tmp_path, f"{name}.yaml", team_doc(name, kafka=section))
    return tmp_path


def test_team_topics_reach_the_settings(tmp_path: Path) -> None:
    teams = _teams(
        tmp_path, recsys={"topics": {"orders": {"partitions": 12, "retention_hours": 168}}}, vision={"read": ["recsys.orders"]}
    )
    settings = load_settings("staging", teams_dir=teams)
    spec = {t.name: t.spec for t in settings.teams}
    assert spec["recsys"].kafka.topics["orders"].partitions == 12
    assert spec["vision"].kafka.read == ("recsys.orders",)


def test_every_team_file_problem_is_reported_at_once(tmp_path: Path) -> None:
    teams = _teams(
        tmp_path,
        recsys={
            "topics": {
                "orders": {"partitions": 0, "retention_hours": 0},
                "__internal": {"partitions": 1, "retention_hours": 1},
                "bad topic": {"partitions": 1, "retention_hours": 1},
                "a.b": {"partitions": 1, "retention_hours": 1},
                "a_b": {"partitions": 1, "retention_hours": 1},
            },
            "to_lake": ["clicks", "orders", "orders"],
        },
        vision={"read": ["recsys.nope", "orders", "vision.x", "nlp.y", "recsys.orders", "recsys.orders"]},
    )
    found = problems("staging", teams)
    find(found, "recsys.yaml", "kafka.topics.orders.partitions", "must be >= 1; got 0")
    find(found, "recsys.yaml", "kafka.topics.orders.retention_hours", "must be >= 1 hour; got 0")
    find(found, "recsys.yaml", "kafka.topics.__internal", "starts with '__'")
    find(found, "recsys.yaml", "kafka.topics.bad topic", "characters Kafka does not allow")
    find(found, "recsys.yaml", "kafka.topics.a_b", "differs from 'a.b' only by '.' versus '_'")
    find(found, "recsys.yaml", "kafka.to_lake[0]", "'clicks' is not one of the team's own topics")
    find(found, "recsys.yaml", "kafka.to_lake", "'orders' is listed twice")
    find(found, "vision.yaml", "kafka.read[0]", "team 'recsys' declares no topic 'nope'")
    find(found, "vision.yaml", "kafka.read[1]", "must be '<team>.<topic>'")
    find(found, "vision.yaml", "kafka.read[2]", "is the team's own topic")
    find(found, "vision.yaml", "kafka.read[3]", "team 'nlp', which has no team file")
    find(found, "vision.yaml", "kafka.read", "'recsys.orders' is listed twice")


def test_unknown_team_kafka_fields_are_named(tmp_path: Path) -> None:
    teams = _teams(tmp_path, recsys={"topic": {}}, vision={"topics": {"x": {"partitions": 1}}})
    found = problems("dev", teams)
    find(found, "recsys.yaml", "kafka.topic", "unknown field")
    find(found, "vision.yaml", "kafka.topics.x.retention_hours", "")


def test_readme_example_message_is_real(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    teams = _teams(
        tmp_path,
        recsys={"topics": {"orders": {"partitions": 1, "retention_hours": 1}, "clicks": {"partitions": 1, "retention_hours": 1}}},
        vision={"read": ["recsys.nope"]},
    )
    problem = find(problems("dev", teams), "vision.yaml", "kafka.read[0]", "declares no topic")
    assert f"kafka.read[0]: {problem.message}`" in readme


def test_to_lake_needs_a_raw_zone_and_private_connectivity(tmp_path: Path) -> None:
    teams = tmp_path / "teams"
    teams.mkdir()
    env = {"quota": {"gpu": 0}, "data_lake": {"curated": "read"}}
    kafka = {"topics": {"clicks": {"partitions": 1, "retention_hours": 1}}, "to_lake": ["clicks"]}
    # Three copies: a shared dict would be dumped as a YAML anchor, which team files refuse.
    write(
        teams,
        "recsys.yaml",
        team_doc("recsys", dev=copy.deepcopy(env), staging=copy.deepcopy(env), prod=copy.deepcopy(env), kafka=kafka),
    )
    stack = tmp_path / "Pulumi.staging.yaml"
    stack.write_text(
        "config:\n  aws:region: us-west-2\n  mlinfra:environment: staging\n"
        "  mlinfra:data_lake: {zones: [landing, curated], tiering_zones: [landing]}\n"
        "  mlinfra:kafka: {msk: {instance_type: kafka.t3.small}}\n" + RECEIVERS_YAML
    )
    found = problems("staging", teams, stack_file=stack)
    find(found, "recsys.yaml", "kafka.to_lake", "needs a 'raw' data lake zone; this environment's zones: ['landing', 'curated']")
    find(found, "recsys.yaml", "kafka.to_lake", "kafka.t3.small brokers lack")
