"""MSK clients must authenticate: IAM, SCRAM or mutual TLS, and never anonymously."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get, is_set, truthy

NAME = "aws-msk-cluster-client-authentication"
MSK_CLUSTER = "aws:msk/cluster:Cluster"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != MSK_CLUSTER:
        return
    auth = get(args.props, "clientAuthentication", default={})
    methods = [m for m in ("iam", "scram") if truthy(get(auth, "sasl", m))]
    if is_set(get(auth, "tls", default={}), "certificateAuthorityArns"):
        methods.append("tls")
    if not methods:
        report_violation(
            f"MSK cluster '{args.name}' has no client authentication; set client_authentication.sasl.iam=True "
            "(mlinfra's clients use IAM through their Pod Identity roles).",
            None,
        )
    # No clientAuthentication block at all means MSK admits unauthenticated clients.
    if truthy(get(auth, "unauthenticated")) or not auth:
        report_violation(
            f"MSK cluster '{args.name}' admits unauthenticated clients; set client_authentication.unauthenticated=False.", None
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="MSK clusters require client authentication (IAM, SCRAM or mTLS) and turn unauthenticated access off.",
    validate=validate,
)
