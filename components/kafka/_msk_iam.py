"""IAM documents for Amazon MSK, as pure functions of ARNs (no Pulumi): tested as plain dicts.

MSK IAM access control names topics, groups and transactional ids by ARNs derived from
the cluster ARN (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html):

    cluster           arn:<p>:kafka:<region>:<account>:cluster/<name>/<uuid>
    topic             arn:<p>:kafka:<region>:<account>:topic/<name>/<uuid>/<topic>
    group             arn:<p>:kafka:<region>:<account>:group/<name>/<uuid>/<group>
    transactional id  arn:<p>:kafka:<region>:<account>:transactional-id/<name>/<uuid>/<id>

A team's names all start with ``<team>.`` (components/kafka/validation.py), and team names hold
no '.', so ``<team>.*`` never matches another team's topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.kafka.validation import team_prefix

# Every client: connect, and describe the cluster (metadata requests).
CONNECT_ACTIONS = ("kafka-cluster:Connect", "kafka-cluster:DescribeCluster")
# Idempotent producers (the default since Kafka 3.0) need this on the cluster resource.
IDEMPOTENT_WRITE = "kafka-cluster:WriteDataIdempotently"
OWN_TOPIC_ACTIONS = (
    "kafka-cluster:DescribeTopic",
    "kafka-cluster:DescribeTopicDynamicConfiguration",
    "kafka-cluster:ReadData",
    "kafka-cluster:WriteData",
)
READ_TOPIC_ACTIONS = ("kafka-cluster:DescribeTopic", "kafka-cluster:ReadData")
GROUP_ACTIONS = ("kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup")
TRANSACTION_ACTIONS = ("kafka-cluster:AlterTransactionalId", "kafka-cluster:DescribeTransactionalId")
# What Firehose needs to read one topic of a private cluster (its role) and to create its
# managed VPC connection (the cluster policy):
# https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html
FIREHOSE_CLUSTER_ACTIONS = (
    "kafka:DescribeCluster",
    "kafka:DescribeClusterV2",
    "kafka:GetBootstrapBrokers",
    "kafka-cluster:Connect",
)
FIREHOSE_TOPIC_ACTIONS = (
    "kafka-cluster:DescribeTopic",
    "kafka-cluster:DescribeTopicDynamicConfiguration",
    "kafka-cluster:ReadData",
)
FIREHOSE_SERVICE = "firehose.amazonaws.com"


def resource_arn(cluster_arn: str, kind: str, name: str) -> str:
    """The ARN of a topic, group or transactional id (``kind``) of the cluster; ``name`` may end in ``*``."""
    head, sep, path = cluster_arn.partition(":cluster/")
    if not sep or path.count("/") != 1:
        raise ValueError(f"not an MSK cluster ARN: {cluster_arn!r}")
    return f"{head}:{kind}/{path}/{name}"


def team_statements(cluster_arn: str, team: str, granted_topics: Sequence[str]) -> list[dict[str, Any]]:
    """A team's data-plane statements: its own prefix, read on granted topics, nothing wider."""
    prefix = team_prefix(team)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ConnectToKafka",
            "Effect": "Allow",
            "Action": [*CONNECT_ACTIONS, IDEMPOTENT_WRITE],
            "Resource": [cluster_arn],
        },
        {
            "Sid": "OwnTopics",
            "Effect": "Allow",
            "Action": list(OWN_TOPIC_ACTIONS),
            "Resource": [resource_arn(cluster_arn, "topic", f"{prefix}*")],
        },
        {
            "Sid": "OwnConsumerGroups",
            "Effect": "Allow",
            "Action": list(GROUP_ACTIONS),
            "Resource": [resource_arn(cluster_arn, "group", f"{prefix}*")],
        },
        {
            "Sid": "OwnTransactionalIds",
            "Effect": "Allow",
            "Action": list(TRANSACTION_ACTIONS),
            "Resource": [resource_arn(cluster_arn, "transactional-id", f"{prefix}*")],
        },
    ]
    if granted_topics:
        statements.append(
            {
                "Sid": "GrantedTopics",
                "Effect": "Allow",
                "Action": list(READ_TOPIC_ACTIONS),
                # Exact names: a grant never widens into a pattern.
                "Resource": [resource_arn(cluster_arn, "topic", t) for t in sorted(granted_topics)],
            }
        )
    return statements


def team_policy(cluster_arn: str, team: str, granted_topics: Sequence[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": team_statements(cluster_arn, team, granted_topics)}


def firehose_source_policy(cluster_arn: str, topic: str) -> dict[str, Any]:
    """The delivery role's access to one topic (and the groups Firehose names itself)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Cluster", "Effect": "Allow", "Action": list(FIREHOSE_CLUSTER_ACTIONS), "Resource": [cluster_arn]},
            {
                "Sid": "Topic",
                "Effect": "Allow",
                "Action": list(FIREHOSE_TOPIC_ACTIONS),
                "Resource": [resource_arn(cluster_arn, "topic", topic)],
            },
            # Firehose chooses its own consumer-group name, so the group cannot be narrowed.
            {
                "Sid": "Groups",
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeGroup"],
                "Resource": [resource_arn(cluster_arn, "group", "*")],
            },
        ],
    }


def firehose_cluster_policy(cluster_arn: str) -> dict[str, Any]:
    """The cluster's resource policy: Firehose may create its managed (PrivateLink) VPC connection."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FirehoseVpcConnection",
                "Effect": "Allow",
                "Principal": {"Service": [FIREHOSE_SERVICE]},
                "Action": ["kafka:CreateVpcConnection"],
                "Resource": cluster_arn,
            }
        ],
    }


def server_properties(properties: dict[str, str | int | bool]) -> str:
    """A cluster configuration's ``server.properties`` text (sorted, Kafka's lowercase booleans)."""

    def text(value: str | int | bool) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return "".join(f"{key}={text(value)}\n" for key, value in sorted(properties.items()))
