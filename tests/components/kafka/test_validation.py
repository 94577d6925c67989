"""Kafka's pure rules: every message, and the edges of every limit."""

from __future__ import annotations

import pytest

from components.kafka import validation


@pytest.mark.parametrize("name", ["a", "vision.clicks", "A_b-c.9", "x" * 249])
def test_legal_topic_names(name: str) -> None:
    assert validation.topic_name_problems(name) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "characters Kafka does not allow"),
        ("has space", "characters Kafka does not allow"),
        ("ünïcode", "characters Kafka does not allow"),
        ("a/b", "characters Kafka does not allow"),
        (".", "is not allowed by Kafka"),
        ("..", "is not allowed by Kafka"),
        ("x" * 250, "is 250 characters; Kafka allows 249"),
        ("__consumer_offsets", "reserves for internal topics"),
    ],
)
def test_illegal_topic_names(name: str, message: str) -> None:
    (problem,) = validation.topic_name_problems(name)
    assert message in problem


def test_team_topic_is_checked_as_its_full_name() -> None:
    assert validation.team_topic_problems("vision", "clicks") == []
    assert validation.full_topic_name("vision", "clicks") == "vision.clicks"
    (long,) = validation.team_topic_problems("vision", "x" * 243)  # 6 + 1 + 243 = 250
    assert "is 250 characters" in long and "full name 'vision.<topic>'" in long
    (internal,) = validation.team_topic_problems("vision", "__x")
    assert "starts with '__'" in internal


def test_dot_underscore_collisions() -> None:
    assert validation.colliding_topics(["a.b", "a_b", "c"]) == [("a.b", "a_b")]
    assert validation.colliding_topics(["a.b", "a-b"]) == []


def test_partitions_and_retention_minimums() -> None:
    assert validation.partitions_problem(1) == "" and "must be >= 1; got 0" in validation.partitions_problem(0)
    assert validation.retention_problem(1) == "" and "must be >= 1 hour; got 0" in validation.retention_problem(0)
    assert validation.retention_ms(168) == 604_800_000


def test_broker_count_rules() -> None:
    assert validation.broker_problems(3, 3, min_brokers=3) == []
    assert validation.broker_problems(6, 3, min_brokers=3) == []
    (low,) = validation.broker_problems(2, 2, min_brokers=3)
    assert "must be >= 3 in this environment; got 2" in low
    (uneven,) = validation.broker_problems(4, 3, min_brokers=3)
    assert "multiple of the number of availability zones (3)" in uneven
    assert len(validation.broker_problems(1, 3, min_brokers=3)) == 2


def test_replication_rules() -> None:
    assert validation.replication_problems(3, 2, 3) == []
    assert [f for f, _ in validation.replication_problems(4, 2, 3)] == ["replication_factor"]
    assert [f for f, _ in validation.replication_problems(3, 4, 3)] == ["min_insync_replicas"]
    assert [f for f, _ in validation.replication_problems(0, 0, 3)] == ["replication_factor", "min_insync_replicas"]


def test_storage_rules() -> None:
    assert validation.volume_problem(1) == "" and validation.volume_problem(16384) == ""
    assert "between 1 and 16384 GiB; got 0" in validation.volume_problem(0)
    assert "got 16385" in validation.volume_problem(16385)
    assert validation.storage_scaling_problems(100, 1000, 60) == []
    fields = [f for f, _ in validation.storage_scaling_problems(100, 50, 90)]
    assert fields == ["max_volume_gib", "storage_target_percent"]


def test_msk_instance_type() -> None:
    assert validation.msk_instance_problem("kafka.m7g.large") == ""
    assert "MSK standard broker type" in validation.msk_instance_problem("m7g.large")
    assert "MSK standard broker type" in validation.msk_instance_problem("express.m7g.large")


def test_read_grants() -> None:
    teams = {"recsys": ["orders"], "vision": ["clicks"]}
    assert validation.read_grant_problems("vision", ["recsys.orders"], teams) == []
    problems = validation.read_grant_problems("vision", ["orders", "vision.clicks", "nlp.x", "recsys.nope"], teams)
    assert len(problems) == 4
    assert "must be '<team>.<topic>'" in problems[0]
    assert "the team's own topic" in problems[1]
    assert "team 'nlp', which has no team file" in problems[2]
    assert "declares no topic 'nope'; its topics: ['orders']" in problems[3]


def test_to_lake_must_name_own_topics() -> None:
    assert validation.to_lake_problems(["clicks"], ["clicks"]) == []
    (problem,) = validation.to_lake_problems(["clicks"], ["orders"])
    assert "'orders' is not one of the team's own topics ['clicks']" in problem


def test_kubernetes_names_are_dns_safe_and_distinct() -> None:
    assert validation.kubernetes_name("vision.clicks") == "vision.clicks"
    upper, under = validation.kubernetes_name("vision.Clicks"), validation.kubernetes_name("vision.clicks_v1")
    assert upper.startswith("vision.clicks-") and under.startswith("vision.clicks-v1-")
    assert validation.kubernetes_name("a_b") != validation.kubernetes_name("a-b-")
    assert validation.duplicates(["a", "b", "a"]) == ["a"]
