"""A VPC's default security group allows nothing: resources launched without a group get no access."""

from __future__ import annotations

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import get, items, of_type, referenced

NAME = "aws-ec2-vpc-default-security-group-closed"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    adopted: dict[str, list] = {}
    for group in of_type(args.resources, DEFAULT_SG):
        for vpc in referenced(group, "vpcId", VPC):
            adopted.setdefault(vpc.urn, []).append(group)
    for vpc in of_type(args.resources, VPC):
        groups = adopted.get(vpc.urn, [])
        if not groups:
            report_violation(
                f"VPC '{vpc.name}' leaves its default security group as AWS made it (members reach each other); "
                "adopt it with aws.ec2.DefaultSecurityGroup(vpc_id=..., ingress=[], egress=[]).",
                vpc.urn,
            )
        for group in groups:
            rules = len(items(get(group.props, "ingress"))) + len(items(get(group.props, "egress")))
            if rules:
                report_violation(
                    f"default security group '{group.name}' of VPC '{vpc.name}' has {rules} rule(s); "
                    "give it ingress=[] and egress=[] and put the rules on a security group of their own.",
                    group.urn,
                )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every VPC's default security group is adopted with no ingress and no egress rules.",
    validate=validate,
)
