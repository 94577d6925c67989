"""The replication-lag signal of the lake's disaster-recovery copy: one CloudWatch alarm per
replicated zone on its rule's S3 Replication metric ``ReplicationLatency``, notifying one SNS topic.

Private helper of ``components/data_lake/_replica.py``. Why CloudWatch and SNS, not Alertmanager:
the metric lives only in CloudWatch (namespace ``AWS/S3``), and bringing it into Prometheus needs a
CloudWatch exporter with its own AWS identity in the cluster, for four time series. A CloudWatch
alarm evaluates it where it is published and keeps working when the cluster does not, which is
when a disaster-recovery signal matters most. The topic reaches the platform's receivers through
email subscriptions (a Slack channel's email address, a PagerDuty service's email integration):
README, "Data lake disaster recovery".

Where and what (Amazon S3 User Guide):
- ``ReplicationLatency`` ("the maximum number of seconds by which the replication destination
  bucket is behind the source bucket for a given replication rule", valid statistic Max) is
  "published in the Region of the destination bucket", so the alarms and their topic live there
  (an alarm notifies a topic of its own region).
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
- Its dimensions are ``SourceBucket``, ``DestinationBucket`` (bucket names) and ``RuleId``, in the
  ``AWS/S3`` namespace ("S3 Replication metrics in CloudWatch", "S3 Replication dimensions").
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html
- "When you set up alarms for your replication metrics, set the Missing data treatment field to
  Treat missing data as ignore (maintain the alarm state)" (same page): S3 publishes nothing
  while nothing is pending.
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
PERIOD_SECONDS = 300
EVALUATION_PERIODS = 3
"""Three 5-minute maxima in a row: one slow large object does not page, a stuck rule does."""

ZoneRule = tuple[pulumi.Input[str], pulumi.Input[str], str]
"""(source bucket name, replica bucket name, rule ID): the metric's three dimensions."""


@dataclass(frozen=True)
class LagAlarmPlan:
    """What the alarms need from the lake."""

    name: str
    """The DataLake's resource name: children are ``<name>-<zone>-replication-lag`` etc."""
    prefix: str
    """The lake's name prefix: the topic is ``<prefix>-data-lake-replication-alarms``."""
    threshold_minutes: int
    """Lag that raises a zone's alarm."""
    emails: tuple[str, ...] = ()
    """Addresses subscribed to the topic (each confirms once, by the link SNS sends)."""


def lag_alarms(
    plan: LagAlarmPlan,
    rules: Mapping[str, ZoneRule],
    *,
    opts: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> aws.sns.Topic:
    """The topic (in the replica region, through ``opts``' provider) and one lag alarm per zone."""
    name = f"{plan.name}-replication-alarms"
    # A fixed name, so people and runbooks can subscribe to it before any output is read. Not
    # SSE-encrypted: CloudWatch cannot publish with the AWS managed key aws/sns, and the
    # messages carry bucket names and a number of seconds, nothing a key would protect.
    topic = aws.sns.Topic(name, name=f"{plan.prefix}-data-lake-replication-alarms", tags=tags(name), opts=opts)
    for email in plan.emails:
        aws.sns.TopicSubscription(f"{name}-{email}", topic=topic.arn, protocol="email", endpoint=email, opts=opts)
    for zone, rule in rules.items():
        _lag_alarm(plan, zone, rule, topic, opts, tags)
    return topic


def _lag_alarm(
    plan: LagAlarmPlan,
    zone: str,
    rule: ZoneRule,
    topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> aws.cloudwatch.MetricAlarm:
    source, replica, rule_id = rule
    name = f"{plan.name}-{zone}-replication-lag"
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{plan.prefix}-{zone}-replication-lag",
        alarm_description=(
            f"{LAG_ALARM}: the {zone} zone's replica is more than {plan.threshold_minutes} minutes behind "
            f"(rule {rule_id}). Runbook: docs/runbooks/{LAG_ALARM}.md"
        ),
        namespace=NAMESPACE,
        metric_name=LAG_METRIC,
        dimensions={"SourceBucket": source, "DestinationBucket": replica, "RuleId": rule_id},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=EVALUATION_PERIODS,
        datapoints_to_alarm=EVALUATION_PERIODS,
        comparison_operator="GreaterThanThreshold",
        threshold=plan.threshold_minutes * 60,
        treat_missing_data="ignore",
        # OK too: whoever was told the replica lags is told when it has caught up.
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        tags=tags(name),
        opts=opts,
    )
