"""Network and logging rules: a violating and a passing case each."""

from __future__ import annotations

from policies.rules import aws_cloudwatch_log_group_encrypted_with_cmk, aws_ec2_vpc_default_security_group_closed
from tests.policies.support import check_resource, check_stack, resource

VPC, DEFAULT_SG = "aws:ec2/vpc:Vpc", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def test_a_vpc_without_an_adopted_default_group_or_with_rules_in_it_is_a_violation() -> None:
    bare = resource(VPC, "bare")
    open_vpc = resource(VPC, "open")
    open_group = resource(
        DEFAULT_SG, "open-sg", {"ingress": [{"protocol": "-1", "self": True}], "egress": []}, refs={"vpcId": [open_vpc]}
    )
    found = check_stack(aws_ec2_vpc_default_security_group_closed.POLICY, [bare, open_vpc, open_group])
    assert [(m.split("'")[1], urn) for m, urn in found] == [("bare", bare.urn), ("open-sg", open_group.urn)], found
    assert "has 1 rule(s)" in found[1][0] and "ingress=[] and egress=[]" in found[1][0]


def test_an_adopted_default_group_without_rules_passes() -> None:
    vpc = resource(VPC, "vpc")
    group = resource(DEFAULT_SG, "sg", {"ingress": [], "egress": []}, refs={"vpcId": [vpc]})
    assert check_stack(aws_ec2_vpc_default_security_group_closed.POLICY, [vpc, group]) == []


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_a_log_group_without_a_customer_key_is_a_violation() -> None:
    (message,) = check_resource(
        aws_cloudwatch_log_group_encrypted_with_cmk.POLICY, LOG_GROUP, {"retentionInDays": 30}, name="flow"
    )
    assert "log group 'flow' is encrypted only with CloudWatch's own key" in message


def test_a_log_group_with_a_customer_key_passes() -> None:
    props = {"kmsKeyId": "arn:aws:kms:us-west-2:123456789012:key/1"}
    assert check_resource(aws_cloudwatch_log_group_encrypted_with_cmk.POLICY, LOG_GROUP, props, name="flow") == []
