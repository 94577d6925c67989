"""Nodes answer instance-metadata requests only with a session token (IMDSv2)."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import LAUNCH_TEMPLATE, get

NAME = "aws-ec2-launch-template-imdsv2"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != LAUNCH_TEMPLATE:
        return
    options = get(args.props, "metadataOptions", default={})
    if get(options, "httpEndpoint") == "disabled":
        return  # no metadata service at all is stricter still
    if get(options, "httpTokens") != "required":
        report_violation(
            f"launch template '{args.name}' allows IMDSv1; set metadata_options.http_tokens='required' "
            "(and http_put_response_hop_limit=1 so pods cannot reach node credentials).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Launch templates require IMDSv2 (metadataOptions.httpTokens = required).",
    validate=validate,
)
