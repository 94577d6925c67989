"""Kafka's pure validation (no Pulumi): topic names, sizes, broker layout, team grants.

Shared by ``components/kafka/kafka.py`` (Args validation) and ``stacks/kafka_settings.py``
(``Problem``s naming the file and field), so one rule never has two spellings. Every
function returns messages (empty: nothing wrong) instead of raising, so callers can
report every problem of every file at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

# Types the settings share with the components; here because this module needs no SDK.
EnhancedMonitoring = Literal["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"]
"""What monitoring scrapes of Kafka (components/monitoring/scrape_targets.py)."""

# Kafka's own topic-name rule: [a-zA-Z0-9._-], at most 249 characters, not "." or "..".
# https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/common/internals/Topic.java
TOPIC_CHARS = re.compile(r"^[a-zA-Z0-9._-]+$")
MAX_TOPIC_NAME = 249
TOPIC_RULE = "1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-', not starting with '__' (Kafka's internal topics)"
# A team's topics and consumer groups are "<team>.<topic>": team names are DNS labels (no
# '.'), so the prefix "<team>." never matches another team's names.
SEPARATOR = "."

MIN_RETENTION_HOURS = 1
# MSK EBS volume per broker: 1 GiB to 16 TiB.
# https://docs.aws.amazon.com/msk/latest/developerguide/msk-update-storage.html
MIN_VOLUME_GIB = 1
MAX_VOLUME_GIB = 16384
# Application Auto Scaling target for broker storage: the console accepts 10-80 %.
# https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand.html
MIN_STORAGE_TARGET = 10
MAX_STORAGE_TARGET = 80
# MSK standard broker sizes are "kafka.<family>.<size>" (express brokers have no EBS settings).
MSK_INSTANCE_PATTERN = re.compile(r"^kafka\.[a-z0-9]+\.[a-z0-9]+$")
# Brokers that production may run on at least: one broker loss still leaves a quorum of
# replicas with replication 3 and min.insync.replicas 2.
PROD_MIN_BROKERS = 3


def full_topic_name(team: str, topic: str) -> str:
    """``<team>.<topic>``: the name on the cluster, the same in every environment."""
    return f"{team}{SEPARATOR}{topic}"


def team_prefix(team: str) -> str:
    """Prefix of every topic, consumer group and transactional id of ``team``."""
    return f"{team}{SEPARATOR}"


def topic_name_problems(name: str) -> list[str]:
    """What Kafka would reject (or reserve) in this topic name."""
    if not name or not TOPIC_CHARS.match(name):
        return [f"topic name {name!r} has characters Kafka does not allow: {TOPIC_RULE}"]
    if name in (".", ".."):
        return [f"topic name {name!r} is not allowed by Kafka"]
    if len(name) > MAX_TOPIC_NAME:
        return [f"topic name {name[:40]!r}... is {len(name)} characters; Kafka allows {MAX_TOPIC_NAME}"]
    if name.startswith("__"):
        return [f"topic name {name!r} starts with '__', which Kafka reserves for internal topics"]
    return []


def team_topic_problems(team: str, topic: str) -> list[str]:
    """Problems of a team's short topic name, checked as the full name ``<team>.<topic>``."""
    if topic.startswith("__"):
        return [f"topic name {topic!r} starts with '__', which Kafka reserves for internal topics"]
    full = full_topic_name(team, topic)
    return [f"{problem} (checked as the full name '{team}.<topic>')" for problem in topic_name_problems(full)]


def colliding_topics(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of names that differ only by '.' versus '_': Kafka's metrics cannot tell them apart."""
    seen: dict[str, str] = {}
    pairs = []
    for name in sorted(names):
        key = name.replace(".", "_")
        if key in seen:
            pairs.append((seen[key], name))
        else:
            seen[key] = name
    return pairs


def partitions_problem(partitions: int) -> str:
    return "" if partitions >= 1 else f"must be >= 1; got {partitions}"


def retention_problem(hours: int) -> str:
    return "" if hours >= MIN_RETENTION_HOURS else f"must be >= {MIN_RETENTION_HOURS} hour; got {hours}"


def retention_ms(hours: int) -> int:
    """Kafka's ``retention.ms`` for a retention in hours."""
    return hours * 3600 * 1000


def broker_problems(brokers: int, az_count: int, *, min_brokers: int) -> list[str]:
    """Broker count checks: spread evenly over every AZ, and at least ``min_brokers``."""
    problems = []
    if brokers < max(1, min_brokers):
        problems.append(f"must be >= {max(1, min_brokers)} in this environment; got {brokers}")
    if az_count >= 1 and brokers % az_count:
        problems.append(
            f"must be a multiple of the number of availability zones ({az_count}) so every zone has the same brokers; got {brokers}"
        )
    return problems


def replication_problems(replication: int, min_insync: int, brokers: int) -> list[tuple[str, str]]:
    """(field, message): replication within the brokers, min.insync.replicas within replication."""
    problems = []
    if not 1 <= replication <= brokers:
        problems.append(("replication_factor", f"must be between 1 and the broker count ({brokers}); got {replication}"))
    if not 1 <= min_insync <= replication:
        problems.append(("min_insync_replicas", f"must be between 1 and replication_factor ({replication}); got {min_insync}"))
    return problems


def volume_problem(gib: int, *, field_max: int = MAX_VOLUME_GIB) -> str:
    if not MIN_VOLUME_GIB <= gib <= field_max:
        return f"must be between {MIN_VOLUME_GIB} and {field_max} GiB; got {gib}"
    return ""


def storage_scaling_problems(volume_gib: int, max_volume_gib: int, target_percent: int) -> list[tuple[str, str]]:
    problems = []
    if not volume_gib <= max_volume_gib <= MAX_VOLUME_GIB:
        problems.append(
            ("max_volume_gib", f"must be between volume_gib ({volume_gib}) and {MAX_VOLUME_GIB} GiB; got {max_volume_gib}")
        )
    if not MIN_STORAGE_TARGET <= target_percent <= MAX_STORAGE_TARGET:
        problems.append(
            (
                "storage_target_percent",
                f"must be between {MIN_STORAGE_TARGET} and {MAX_STORAGE_TARGET} (MSK's range); got {target_percent}",
            )
        )
    return problems


def msk_instance_problem(instance_type: str) -> str:
    if MSK_INSTANCE_PATTERN.match(instance_type):
        return ""
    return f"must be an MSK standard broker type such as 'kafka.m7g.large'; got {instance_type!r}"


def read_grant_problems(team: str, grants: Sequence[str], topics_by_team: Mapping[str, Iterable[str]]) -> list[str]:
    """``read`` entries must be ``<other team>.<topic>`` naming a topic that team declares."""
    problems = []
    for grant in grants:
        owner, sep, topic = grant.partition(SEPARATOR)
        if not sep or not owner or not topic:
            problems.append(f"{grant!r} must be '<team>.<topic>', e.g. 'recsys.orders'")
        elif owner == team:
            problems.append(f"{grant!r} is the team's own topic; own topics are readable without a grant")
        elif owner not in topics_by_team:
            problems.append(f"{grant!r} names team {owner!r}, which has no team file; known teams: {sorted(topics_by_team)}")
        elif topic not in set(topics_by_team[owner]):
            problems.append(f"{grant!r}: team {owner!r} declares no topic {topic!r}; its topics: {sorted(topics_by_team[owner])}")
    return problems


def to_lake_problems(topics: Iterable[str], to_lake: Sequence[str]) -> list[str]:
    """``to_lake`` entries must be the team's own topics (short names)."""
    own = set(topics)
    return [
        f"{name!r} is not one of the team's own topics {sorted(own)}; only own topics can be delivered to the lake"
        for name in to_lake
        if name not in own
    ]


def duplicates(values: Sequence[str]) -> list[str]:
    return sorted({v for v in values if list(values).count(v) > 1})


def kubernetes_name(topic: str) -> str:
    """A DNS-1123 name for a Kafka topic (KafkaTopic metadata.name); the real name goes in spec.topicName.

    Kafka names may hold capitals and '_', Kubernetes names may not. A short digest keeps
    two names that map to the same lowercase form (``A_b``, ``a-b``) apart.
    """
    name = re.sub(r"[^a-z0-9.-]", "-", topic.lower()).strip(".-")
    if name == topic and len(name) <= 253:
        return name
    digest = hashlib.sha256(topic.encode()).hexdigest()[:8]
    return f"{name[:240].strip('.-')}-{digest}"


# A full image reference: registry host (with a dot or a port, or localhost), repository, then a
# tag, a digest or both (https://github.com/distribution/reference/blob/main/reference.go grammar,
# lowercase repository path). The Kafka Connect image of Strimzi delivery must be one.
IMAGE_REFERENCE = re.compile(
    r"^[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]+)?/[a-z0-9]+([._/-][a-z0-9]+)*"
    r"(?P<tag>:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?P<digest>@sha256:[0-9a-f]{64})?$"
)


def image_problem(image: str) -> str | None:
    """Why ``image`` is not a full image reference pinned by a tag or a digest (None when it is)."""
    match = IMAGE_REFERENCE.match(image)
    registry = image.split("/", 1)[0]
    if not match or not ("." in registry or ":" in registry or registry == "localhost"):
        return (
            "must be a full image reference <registry>/<repository>:<tag> and/or @sha256:<64 hex digits>, "
            f"e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/mlinfra/kafka-connect:4.3.1-1; got {image!r}"
        )
    if match["digest"] is None and match["tag"] in (None, ":latest"):
        return f"must be pinned by a tag other than 'latest' or by a digest (@sha256:...), got {image!r}"
    return None
