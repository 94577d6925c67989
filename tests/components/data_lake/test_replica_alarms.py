"""The replication signals (components/data_lake/_replica_alarms.py): S3 Replication metrics are on
for every replication rule, and each replicated zone has a CloudWatch alarm on its rule's
ReplicationLatency in the replica region and one on OperationsFailedReplication in the lake's
region (where S3 publishes each), notifying an alarm topic of that region. Dev and staging
replicate nothing and have none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.data_lake import DataLake
from mlinfra.engine import Plan, PlannedResource, run_program
from mlinfra.mocks import ACCOUNT_ID
from stacks.data_lake_settings import data_lake_args
from stacks.errors import ConfigError
from stacks.loading import settings_from_config
from tests.stacks.support import RECEIVERS

ALARM, TOPIC = "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
PROVIDER = "pulumi:providers:aws"
REPLICATED = ("raw", "models")
SOURCE_REGION, REPLICA_REGION = "us-east-1", "us-west-2"
REPO = Path(__file__).resolve().parents[3]


def _provider_urn(r: PlannedResource) -> str:
    return r.provider.rsplit("::", 1)[0]


def _topic_arn(region: str = REPLICA_REGION, prefix: str = "mlinfra-prod") -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT_ID}:{prefix}-data-lake-replication-alarms"


def test_an_alarm_topic_in_each_region_of_the_replication(prod_plan: Plan) -> None:
    lake = prod_plan.get("mlinfra:storage:DataLake", "data-lake")
    provider = prod_plan.get(PROVIDER, "data-lake-replica")
    topics = {t.name: t for t in prod_plan.of_type(TOPIC)}
    assert sorted(topics) == ["data-lake-replication-alarms", "data-lake-replication-alarms-source"]
    for topic in topics.values():
        assert topic.inputs["name"] == "mlinfra-prod-data-lake-replication-alarms" and topic.parent == lake.urn
        assert topic.protect, topic.name
    # An alarm notifies a topic of its own region: the lag alarms' is in the replica region, the
    # failure alarms' in the lake's (the stack's default provider).
    assert _provider_urn(topics["data-lake-replication-alarms"]) == provider.urn
    assert "::pulumi:providers:aws::default_" in topics["data-lake-replication-alarms-source"].provider


def test_one_lag_alarm_per_replicated_zone_on_its_rules_metric(prod_plan: Plan) -> None:
    provider = prod_plan.get(PROVIDER, "data-lake-replica")
    topic = prod_plan.get(TOPIC, "data-lake-replication-alarms")
    lag = sorted(a.name for a in prod_plan.of_type(ALARM) if a.inputs["metricName"] == "ReplicationLatency")
    assert lag == sorted(f"data-lake-{z}-replication-lag" for z in REPLICATED)
    for zone in REPLICATED:
        alarm = prod_plan.get(ALARM, f"data-lake-{zone}-replication-lag")
        config = prod_plan.get(REPLICATION, f"data-lake-{zone}")
        (rule,) = config.inputs["rules"]
        # The metric's dimensions name exactly this zone's rule: its source bucket, its replica, its ID.
        assert alarm.inputs["dimensions"] == {
            "SourceBucket": config.inputs["bucket"],
            "DestinationBucket": rule["destination"]["bucket"].removeprefix("arn:aws:s3:::"),
            "RuleId": rule["id"],
        }, alarm.name
        assert alarm.inputs["dimensions"]["SourceBucket"].endswith(f"-{zone}-{ACCOUNT_ID}-{SOURCE_REGION}"), alarm.name
        assert alarm.inputs["dimensions"]["DestinationBucket"].endswith(f"-{zone}-{ACCOUNT_ID}-{REPLICA_REGION}"), alarm.name
        assert (alarm.inputs["namespace"], alarm.inputs["metricName"], alarm.inputs["statistic"]) == (
            "AWS/S3",
            "ReplicationLatency",
            "Maximum",
        ), alarm.name
        # Lagging more than 30 minutes for three 5-minute periods in a row; no data is no news.
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold" and alarm.inputs["threshold"] == 1800, alarm.name
        assert (alarm.inputs["period"], alarm.inputs["evaluationPeriods"], alarm.inputs["datapointsToAlarm"]) == (300, 3, 3)
        assert alarm.inputs["treatMissingData"] == "ignore", alarm.name
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [_topic_arn()], alarm.name
        assert topic.urn in alarm.property_dependencies["alarmActions"], alarm.name
        # S3 publishes ReplicationLatency in the destination bucket's region.
        assert _provider_urn(alarm) == provider.urn, f"{alarm.name}: {alarm.provider}"
        assert "docs/runbooks/DataLakeReplicationLag.md" in alarm.inputs["alarmDescription"], alarm.name


def test_one_failure_alarm_per_replicated_zone_in_the_lakes_region(prod_plan: Plan) -> None:
    topic = prod_plan.get(TOPIC, "data-lake-replication-alarms-source")
    failed = sorted(a.name for a in prod_plan.of_type(ALARM) if a.inputs["metricName"] == "OperationsFailedReplication")
    assert failed == sorted(f"data-lake-{z}-replication-failed" for z in REPLICATED)
    for zone in REPLICATED:
        alarm = prod_plan.get(ALARM, f"data-lake-{zone}-replication-failed")
        lag = prod_plan.get(ALARM, f"data-lake-{zone}-replication-lag")
        # The same rule's metrics: the same three dimensions.
        assert alarm.inputs["dimensions"] == lag.inputs["dimensions"], alarm.name
        assert (alarm.inputs["namespace"], alarm.inputs["statistic"]) == ("AWS/S3", "Sum"), alarm.name
        # Any failed operation, in one 5-minute period: S3 does not retry it.
        assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 0), alarm.name
        assert (alarm.inputs["period"], alarm.inputs["evaluationPeriods"]) == (300, 1), alarm.name
        assert alarm.inputs["treatMissingData"] == "ignore", alarm.name
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [_topic_arn(SOURCE_REGION)], alarm.name
        assert topic.urn in alarm.property_dependencies["alarmActions"], alarm.name
        # S3 publishes OperationsFailedReplication in the source bucket's region.
        assert "::pulumi:providers:aws::default_" in alarm.provider, f"{alarm.name}: {alarm.provider}"
        assert "docs/runbooks/DataLakeReplicationFailed.md" in alarm.inputs["alarmDescription"], alarm.name


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_dev_and_staging_have_no_replication_alarms(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    assert plan.of_type(ALARM) == [] and plan.of_type(TOPIC) == [] and plan.of_type(SUBSCRIPTION) == []


def _prod_settings(**lake: Any):
    return settings_from_config(
        {**RECEIVERS, "aws:region": SOURCE_REGION, "mlinfra:environment": "prod", "mlinfra:data_lake": lake},
        stack="prod",
        source="stacks/Pulumi.prod.yaml",
    )


def test_alarm_emails_subscribe_to_the_topic_and_the_threshold_is_a_setting() -> None:
    emails = ["platform-alerts@example.slack.com", "ml-platform@example.pagerduty.com"]
    settings = _prod_settings(replication_alarm_emails=emails, replication_lag_alarm_minutes=60)

    def program(s: Any) -> dict[str, Any]:
        DataLake("data-lake", data_lake_args(s, account_id=ACCOUNT_ID))
        return {}

    plan = run_program(settings, program=program)
    subscriptions = {s.name: s for s in plan.of_type(SUBSCRIPTION)}
    topics = {"data-lake-replication-alarms": REPLICA_REGION, "data-lake-replication-alarms-source": SOURCE_REGION}
    assert sorted(subscriptions) == sorted(f"{t}-{e}" for t in topics for e in emails)
    for topic, region in topics.items():
        for email in emails:
            sub = subscriptions[f"{topic}-{email}"].inputs
            assert (sub["protocol"], sub["endpoint"], sub["topic"]) == ("email", email, _topic_arn(region)), sub
    lag = [a for a in plan.of_type(ALARM) if a.inputs["metricName"] == "ReplicationLatency"]
    assert {a.inputs["threshold"] for a in lag} == {3600}


@pytest.mark.parametrize(
    ("lake", "message"),
    [
        (
            {"replication_lag_alarm_minutes": 10},
            "mlinfra:data_lake.replication_lag_alarm_minutes: must be between 15 and 1440 minutes, got 10",
        ),
        (
            {"replication_alarm_emails": ["oncall"]},
            "mlinfra:data_lake.replication_alarm_emails: ['oncall'] are not email addresses (name@domain.tld)",
        ),
        (
            {"replication_alarm_emails": ["a@b.io", "a@b.io"]},
            "mlinfra:data_lake.replication_alarm_emails: list each address once; repeated: ['a@b.io']",
        ),
    ],
    ids=["lag-too-short", "not-an-email", "repeated-email"],
)
def test_bad_alarm_settings_name_the_file_and_field(lake: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _prod_settings(**lake)
    assert "stacks/Pulumi.prod.yaml" in str(info.value) and message in str(info.value), str(info.value)


@pytest.mark.parametrize("alarm", ["DataLakeReplicationLag", "DataLakeReplicationFailed"])
def test_each_alarm_has_a_runbook_that_says_what_to_check_and_do(alarm: str) -> None:
    text = (REPO / "docs" / "runbooks" / f"{alarm}.md").read_text(encoding="utf-8")
    assert text.startswith(f"# {alarm}\n") and "## Check" in text and "## Act" in text


def test_the_alarms_and_replication_metrics_are_priced(prod_plan: Plan) -> None:
    from components.catalog.cost import estimate_plan

    items = {i.name: i for i in estimate_plan(prod_plan).items}
    for zone in REPLICATED:
        for alarm in (f"data-lake-{zone}-replication-lag", f"data-lake-{zone}-replication-failed"):
            assert (items[alarm].kind, items[alarm].monthly_min, items[alarm].monthly_max) == ("alarm", 0.10, 0.10)
        # One rule with metrics on: four CloudWatch metrics at $0.30.
        replication = items[f"data-lake-{zone}"]
        assert replication.kind == "replication" and replication.monthly_max == pytest.approx(1.20), replication
        assert "4 replication metrics" in replication.detail, replication


def test_a_rule_without_metrics_costs_nothing_fixed() -> None:
    from components.catalog.cost import estimate

    rule = {"id": "raw-to-us-west-2", "status": "Enabled", "destination": {"bucket": "arn:aws:s3:::b"}}
    (item,) = estimate([(REPLICATION, "r", {"rules": [rule]})], "us-east-1").items
    assert item.monthly_max == 0 and item.detail.startswith("0 replication metrics"), item
