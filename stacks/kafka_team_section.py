"""The team files' ``kafka:`` section (topics, grants, to_lake) and its checks against an environment.

Split from stacks/kafka_settings.py (the stack settings): stacks/team_model.py adds
``TeamKafka`` to the team file, and the Kafka area runs ``team_problems`` on every file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from components.kafka import validation as rules
from stacks.errors import Problem

if TYPE_CHECKING:
    from stacks.settings import Settings
    from stacks.team_model import TeamSettings


class _TeamModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class TeamTopicSpec(_TeamModel):
    """One topic of the team; its name on the cluster is ``<team>.<topic>``."""

    partitions: int
    """Number of partitions (>= 1)."""
    retention_hours: int
    """How long messages are kept (>= 1 hour)."""


class TeamKafka(_TeamModel):
    """The team's Kafka topics and grants, the same in every environment."""

    topics: dict[str, TeamTopicSpec] = Field(default_factory=dict)
    """Short topic name -> partitions and retention; names use Kafka's characters [a-zA-Z0-9._-]."""
    read: tuple[str, ...] = ()
    """Other teams' topics this team may consume, as ``<team>.<topic>``."""
    to_lake: tuple[str, ...] = ()
    """Own topics (short names) delivered to the lake's raw zone under ``teams/<team>/kafka/<topic>/``."""


def team_problems(settings: Settings, teams: Sequence[TeamSettings]) -> list[Problem]:
    """Topic names, sizes, grants and to_lake of every team file, all at once."""
    sections = {t.name: (t.source, section_of(t)) for t in teams}
    topics_by_team = {name: list(section.topics) for name, (_, section) in sections.items()}
    problems: list[Problem] = []
    for team, (source, section) in sorted(sections.items()):
        for topic, spec in section.topics.items():
            path = f"kafka.topics.{topic}"
            problems += [Problem(source, path, m) for m in rules.team_topic_problems(team, topic)]
            if message := rules.partitions_problem(spec.partitions):
                problems.append(Problem(source, f"{path}.partitions", message))
            if message := rules.retention_problem(spec.retention_hours):
                problems.append(Problem(source, f"{path}.retention_hours", message))
        for first, second in rules.colliding_topics(section.topics):
            problems.append(
                Problem(
                    source,
                    f"kafka.topics.{second}",
                    f"differs from {first!r} only by '.' versus '_'; Kafka's metrics cannot tell them apart",
                )
            )
        for i, grant in enumerate(section.read):
            problems += [Problem(source, f"kafka.read[{i}]", m) for m in rules.read_grant_problems(team, [grant], topics_by_team)]
        for i, name in enumerate(section.to_lake):
            problems += [Problem(source, f"kafka.to_lake[{i}]", m) for m in rules.to_lake_problems(section.topics, [name])]
        if section.to_lake and settings.kafka.backend != "none":
            problems += delivery_problems(settings, source)
        for key in ("read", "to_lake"):
            for value in rules.duplicates(getattr(section, key)):
                problems.append(Problem(source, f"kafka.{key}", f"{value!r} is listed twice"))
    return problems


def delivery_problems(settings: Settings, source: str) -> list[Problem]:
    """What the environment lacks to deliver ``to_lake`` topics (reported on the team file that asks)."""
    problems = []
    if "raw" not in settings.data_lake.zones:
        problems.append(
            Problem(
                source,
                "kafka.to_lake",
                f"needs a 'raw' data lake zone; this environment's zones: {list(settings.data_lake.zones)}",
            )
        )
    if settings.kafka.backend == "msk" and settings.kafka.msk.instance_type == "kafka.t3.small":
        problems.append(
            Problem(
                source,
                "kafka.to_lake",
                "Firehose reads MSK over multi-VPC private connectivity, which kafka.t3.small brokers lack; use a larger mlinfra:kafka.msk.instance_type",
            )
        )
    return problems


def section_of(team: TeamSettings) -> TeamKafka:
    spec = team.spec
    return getattr(spec, "kafka", None) or TeamKafka()
