"""Strimzi clusters expose no plain-text listener and enforce ACLs."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get, items

NAME = "strimzi-kafka-tls-and-authorization"
STRIMZI_KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != STRIMZI_KAFKA:
        return
    kafka = get(args.props, "spec", "kafka", default={})
    for listener in items(get(kafka, "listeners")):
        name = get(listener, "name", default="?")
        if get(listener, "tls") is not True:
            report_violation(f"Kafka '{args.name}': listener '{name}' is not TLS; set tls: true (or remove the listener).", None)
        if not get(listener, "authentication", "type"):
            report_violation(f"Kafka '{args.name}': listener '{name}' has no authentication; use tls or scram-sha-512.", None)
    if not get(kafka, "authorization", "type"):
        report_violation(
            f"Kafka '{args.name}' has no authorization: every authenticated user can read every topic; "
            "set spec.kafka.authorization.type: simple.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Strimzi Kafka listeners are all TLS with authentication, and authorization is on.",
    validate=validate,
)
