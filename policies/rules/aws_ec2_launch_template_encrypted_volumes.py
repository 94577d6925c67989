"""Node volumes (OS, container images, scratch data) are encrypted at rest."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import LAUNCH_TEMPLATE, get, items, truthy

NAME = "aws-ec2-launch-template-encrypted-volumes"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != LAUNCH_TEMPLATE:
        return
    mappings = items(get(args.props, "blockDeviceMappings"))
    if not mappings:
        report_violation(
            f"launch template '{args.name}' declares no block device mappings, so the root volume's encryption "
            "depends on the AMI and account defaults; declare the root volume with ebs.encrypted='true'.",
            None,
        )
        return
    plain = [
        get(m, "deviceName", default="?")
        for m in mappings
        if get(m, "ebs") is not None and not truthy(get(m, "ebs", "encrypted"))
    ]
    if plain:
        report_violation(
            f"launch template '{args.name}' has unencrypted EBS volume(s) {plain}; set ebs.encrypted='true' "
            "on every block device mapping.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Launch templates declare their EBS volumes encrypted.",
    validate=validate,
)
