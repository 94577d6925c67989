"""`mlinfra verify` checks of a lake replica's CloudWatch alarms, read-only boto3.

For each replica, two rows: "lag alarm" (``ReplicationLatency``, read in the replica's region)
and "failure alarm" (``OperationsFailedReplication``, in the lake's region), the regions where S3
publishes these metrics (components/data_lake/_replica_alarms.py). Each passes when a metric alarm
on that metric of the rule feeding the replica (namespace ``AWS/S3``, dimensions ``SourceBucket``
and ``DestinationBucket``) has its actions enabled and notifies an SNS topic with at least one
confirmed subscription: an alarm that tells no one is not a signal.

moto 5.2 (the tests) stores alarms and subscriptions as given and reports every subscription as
confirmed; real SNS lists an unconfirmed one with ``SubscriptionArn`` ``PendingConfirmation``.
"""

from __future__ import annotations

from typing import Any

from mlinfra.verify_result import FAIL, PASS, Check

NAMESPACE = "AWS/S3"
PENDING = "PendingConfirmation"


def _alarms_on(cloudwatch: Any, metric: str, source: str, replica: str) -> list[dict[str, Any]]:
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            if (alarm.get("Namespace"), alarm.get("MetricName")) != (NAMESPACE, metric):
                continue
            if dims.get("SourceBucket") == source and dims.get("DestinationBucket") == replica:
                found.append(alarm)
    return found


def _confirmed(sns: Any, topic_arn: str) -> int:
    subs = sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    return sum(1 for s in subs if s.get("SubscriptionArn") not in (None, "", PENDING))


def alarm_check(cloudwatch: Any, sns: Any, res: str, label: str, metric: str, source: str, replica: str) -> Check:
    """One row: an enabled alarm on ``metric`` of the rule ``source`` -> ``replica`` that notifies someone."""
    alarms = _alarms_on(cloudwatch, metric, source, replica)
    if not alarms:
        return Check(res, label, FAIL, f"no CloudWatch alarm on {NAMESPACE} {metric} for s3://{source} -> s3://{replica}")
    for alarm in alarms:
        topics = [a for a in alarm.get("AlarmActions", []) if a.startswith("arn:") and ":sns:" in a]
        if not alarm.get("ActionsEnabled", True) or not topics:
            continue
        reached = {t: _confirmed(sns, t) for t in topics}
        if any(reached.values()):
            return Check(res, label, PASS, f"{alarm['AlarmName']} -> {', '.join(t for t, n in reached.items() if n)}")
    names = ", ".join(a["AlarmName"] for a in alarms)
    return Check(res, label, FAIL, f"{names} notifies no one: actions off or no confirmed SNS subscription")
