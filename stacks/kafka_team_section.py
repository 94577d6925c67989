"""The team files' ``kafka:`` section (topics, grants, to_lake): the model alone.

stacks/team_model.py adds ``TeamKafka`` to the team file; the Kafka area
(stacks/kafka_settings.py ``team_problems``) checks every file's section against an environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    pass


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
