"""Kafka survives a broker loss without losing acknowledged writes (MSK and Strimzi alike)."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import as_int, get, items

NAME = "mlinfra-kafka-durability"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_CONFIGURATION = "aws:msk/configuration:Configuration"
MSK_TOPIC = "aws:msk/topic:Topic"
STRIMZI_KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka"
STRIMZI_POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool"
STRIMZI_TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic"


def _properties(text: Any) -> dict[str, str]:
    """``server.properties`` text as a dict (comments and blank lines skipped)."""
    pairs = (line.split("=", 1) for line in str(text or "").splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def _topic_configs(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            loaded = json.loads(value or "{}")
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(value) if value else {}


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    min_brokers = as_int(config.get("minBrokers"), 3)
    min_isr = as_int(config.get("minInsyncReplicas"), 2)
    min_replication = as_int(config.get("minReplicationFactor"), 3)

    def isr_problem(what: str, value: Any, urn: str) -> None:
        if as_int(value, 1) < min_isr:
            report_violation(
                f"{what} sets min.insync.replicas={as_int(value, 1)}; this environment requires at least {min_isr} "
                "(mlinfra:kafka.min_insync_replicas) so an acknowledged write survives a broker loss.",
                urn,
            )

    brokers_strimzi = 0
    for r in args.resources:
        props = r.props
        if r.resource_type == MSK_CLUSTER and as_int(get(props, "numberOfBrokerNodes")) < min_brokers:
            report_violation(
                f"MSK cluster '{r.name}' has {as_int(get(props, 'numberOfBrokerNodes'))} brokers; this environment requires "
                f"at least {min_brokers} (mlinfra:kafka.msk.broker_count).",
                r.urn,
            )
        elif r.resource_type == MSK_CONFIGURATION:
            isr_problem(
                f"MSK configuration '{r.name}'", _properties(get(props, "serverProperties")).get("min.insync.replicas"), r.urn
            )
        elif r.resource_type == STRIMZI_KAFKA:
            isr_problem(f"Kafka '{r.name}'", get(props, "spec", "kafka", "config", "min.insync.replicas"), r.urn)
        elif r.resource_type == STRIMZI_POOL and "broker" in items(get(props, "spec", "roles")):
            brokers_strimzi += as_int(get(props, "spec", "replicas"))
        elif r.resource_type in (MSK_TOPIC, STRIMZI_TOPIC):
            msk = r.resource_type == MSK_TOPIC
            replication = as_int(get(props, "replicationFactor") if msk else get(props, "spec", "replicas"))
            if replication < min_replication:
                report_violation(
                    f"topic '{r.name}' has replication factor {replication}; this environment requires at least "
                    f"{min_replication} (mlinfra:kafka.replication_factor).",
                    r.urn,
                )
            configs = _topic_configs(get(props, "configs")) if msk else _topic_configs(get(props, "spec", "config"))
            if "min.insync.replicas" in configs:
                isr_problem(f"topic '{r.name}'", configs["min.insync.replicas"], r.urn)
    if any(r.resource_type == STRIMZI_KAFKA for r in args.resources) and brokers_strimzi < min_brokers:
        report_violation(
            f"the Strimzi node pools have {brokers_strimzi} brokers in total; this environment requires at least {min_brokers} "
            "(mlinfra:kafka.strimzi.brokers).",
            None,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Kafka has enough brokers, min.insync.replicas and topic replication to survive a broker loss.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "minBrokers": {"type": "integer", "minimum": 1, "default": 3, "description": "Fewest brokers allowed."},
            "minInsyncReplicas": {"type": "integer", "minimum": 1, "default": 2, "description": "Smallest min.insync.replicas."},
            "minReplicationFactor": {"type": "integer", "minimum": 1, "default": 3, "description": "Smallest topic replication."},
        }
    ),
)
