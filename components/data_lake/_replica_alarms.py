"""The signals of the lake's disaster-recovery copy: per replicated zone, a CloudWatch alarm on
its rule's S3 Replication metric ``ReplicationLatency`` (the replica lags) and one on
``OperationsFailedReplication`` (objects will never reach it), each notifying an SNS topic of its
region.

Private helper of ``components/data_lake/_replica.py``. Why CloudWatch and SNS, not Alertmanager:
the metrics live only in CloudWatch (namespace ``AWS/S3``), and bringing them into Prometheus needs a
CloudWatch exporter with its own AWS identity in the cluster, for a handful of time series. A
CloudWatch alarm evaluates a metric where it is published and keeps working when the cluster does
not, which is when a disaster-recovery signal matters most. The topics reach the platform's
receivers through email subscriptions (a Slack channel's email address, a PagerDuty service's email
integration): README, "Disaster recovery".

Where and what (Amazon S3 User Guide):
- ``ReplicationLatency`` ("the maximum number of seconds by which the replication destination
  bucket is behind the source bucket for a given replication rule", valid statistic Max) is
  "published in the Region of the destination bucket", so the alarms and their topic live there
  (an alarm notifies a topic of its own region).
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
- ``OperationsFailedReplication`` ("the number of operations that failed replication for a given
  replication rule", statistic Sum) "is published in the Region of the source bucket": its
  alarms and a topic of the same name live there. S3 does not retry a failed object.
- Their dimensions are ``SourceBucket``, ``DestinationBucket`` (bucket names) and ``RuleId``, in the
  ``AWS/S3`` namespace ("S3 Replication metrics in CloudWatch", "S3 Replication dimensions").
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html
- "When you set up alarms for your replication metrics, set the Missing data treatment field to
  Treat missing data as ignore (maintain the alarm state)" (same page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

NAMESPACE = "AWS/S3"
LAG_METRIC = "ReplicationLatency"
LAG_ALARM = "DataLakeReplicationLag"
"""The alarm's name in docs/runbooks/ and the README."""
FAILED_METRIC = "OperationsFailedReplication"
FAILED_ALARM = "DataLakeReplicationFailed"
PERIOD_SECONDS = 300
EVALUATION_PERIODS = 3
"""Three 5-minute maxima in a row: one slow large object does not page, a stuck rule does."""

ZoneRule = tuple[pulumi.Input[str], pulumi.Input[str], str]
"""(source bucket name, replica bucket name, rule ID): the metric's three dimensions."""


@dataclass(frozen=True)
class AlarmPlan:
    """What the alarms need from the lake."""

    name: str
    """The DataLake's resource name: children are ``<name>-<zone>-replication-lag`` etc."""
    prefix: str
    """The lake's name prefix: both topics are ``<prefix>-data-lake-replication-alarms``."""
    lag_minutes: int
    """Lag that raises a zone's lag alarm."""
    emails: tuple[str, ...] = ()
    """Addresses subscribed to both topics (each confirms once per topic, by the link SNS sends)."""


def replication_alarms(
    plan: AlarmPlan,
    rules: Mapping[str, ZoneRule],
    *,
    here: pulumi.ResourceOptions,
    there: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> None:
    """Lag alarms and their topic in the replica region (``there``), failure alarms and theirs in the
    lake's region (``here``): an alarm notifies a topic of its own region."""
    replica_topic = _topic(plan, f"{plan.name}-replication-alarms", there, tags)
    source_topic = _topic(plan, f"{plan.name}-replication-alarms-source", here, tags)
    for zone, rule in rules.items():
        _lag_alarm(plan, zone, rule, replica_topic, there, tags)
        _failed_alarm(plan, zone, rule, source_topic, here, tags)


def _topic(plan: AlarmPlan, name: str, opts: pulumi.ResourceOptions, tags: Callable[[str], dict[str, str]]) -> aws.sns.Topic:
    # A fixed name (the same in both regions), so people and runbooks can subscribe to it before
    # any output is read. Not SSE-encrypted: CloudWatch cannot publish with the AWS managed key
    # aws/sns, and the messages carry bucket names and counts, nothing a key would protect.
    topic = aws.sns.Topic(name, name=f"{plan.prefix}-data-lake-replication-alarms", tags=tags(name), opts=opts)
    for email in plan.emails:
        aws.sns.TopicSubscription(f"{name}-{email}", topic=topic.arn, protocol="email", endpoint=email, opts=opts)
    return topic


def _dimensions(rule: ZoneRule) -> dict[str, pulumi.Input[str]]:
    source, replica, rule_id = rule
    return {"SourceBucket": source, "DestinationBucket": replica, "RuleId": rule_id}


def _lag_alarm(
    plan: AlarmPlan,
    zone: str,
    rule: ZoneRule,
    topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> aws.cloudwatch.MetricAlarm:
    name = f"{plan.name}-{zone}-replication-lag"
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{plan.prefix}-{zone}-replication-lag",
        alarm_description=(
            f"{LAG_ALARM}: the {zone} zone's replica is more than {plan.lag_minutes} minutes behind "
            f"(rule {rule[2]}). Runbook: docs/runbooks/{LAG_ALARM}.md"
        ),
        namespace=NAMESPACE,
        metric_name=LAG_METRIC,
        dimensions=_dimensions(rule),
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=EVALUATION_PERIODS,
        datapoints_to_alarm=EVALUATION_PERIODS,
        comparison_operator="GreaterThanThreshold",
        threshold=plan.lag_minutes * 60,
        treat_missing_data="ignore",
        # OK too: whoever was told the replica lags is told when it has caught up.
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        tags=tags(name),
        opts=opts,
    )


def _failed_alarm(
    plan: AlarmPlan,
    zone: str,
    rule: ZoneRule,
    topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> aws.cloudwatch.MetricAlarm:
    name = f"{plan.name}-{zone}-replication-failed"
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{plan.prefix}-{zone}-replication-failed",
        alarm_description=(
            f"{FAILED_ALARM}: objects of the {zone} zone failed to replicate (rule {rule[2]}) and will not be "
            f"retried. Runbook: docs/runbooks/{FAILED_ALARM}.md"
        ),
        namespace=NAMESPACE,
        metric_name=FAILED_METRIC,
        dimensions=_dimensions(rule),
        statistic="Sum",
        period=PERIOD_SECONDS,
        # One failed operation is one object the replica will never have: no waiting.
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        treat_missing_data="ignore",
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        tags=tags(name),
        opts=opts,
    )
