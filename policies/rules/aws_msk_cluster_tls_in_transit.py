"""MSK clusters encrypt every connection: client to broker and broker to broker."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get

NAME = "aws-msk-cluster-tls-in-transit"
MSK_CLUSTER = "aws:msk/cluster:Cluster"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != MSK_CLUSTER:
        return
    transit = get(args.props, "encryptionInfo", "encryptionInTransit", default={})
    # Unset means AWS's defaults, which are TLS and in-cluster encryption on.
    client_broker = get(transit, "clientBroker", default="TLS")
    in_cluster = get(transit, "inCluster", default=True)
    if client_broker != "TLS":
        report_violation(
            f"MSK cluster '{args.name}' allows clientBroker={client_broker!r}; set "
            "encryption_info.encryption_in_transit.client_broker='TLS' so no client talks plain text.",
            None,
        )
    if in_cluster is not True:
        report_violation(
            f"MSK cluster '{args.name}' replicates between brokers without TLS; set encryption_in_transit.in_cluster=True.", None
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="MSK clusters use TLS only, between clients and brokers and between brokers.",
    validate=validate,
)
