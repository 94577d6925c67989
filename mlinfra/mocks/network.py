"""The network area: EC2-style IDs, Elastic IPs, the flow logs' log group."""

from __future__ import annotations

from mlinfra.mocks.aws import aws_answer, aws_state
from mlinfra.mocks.table import Answer, ResourceCall, mock_outputs, register_id_prefixes

# EC2-style ID prefixes, so plan output reads like the real thing.
register_id_prefixes(
    {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/internetGateway:InternetGateway": "igw-",
        "aws:ec2/natGateway:NatGateway": "nat-",
        "aws:ec2/eip:Eip": "eipalloc-",
        "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/flowLog:FlowLog": "fl-",
    }
)


@mock_outputs("aws:ec2/eip:Eip")
def elastic_ip(call: ResourceCall) -> Answer:
    state = aws_state(call)
    # 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never a real address.
    state.update(allocationId=call.resource_id, publicIp="203.0.113.10")
    return aws_answer(call, state)


@mock_outputs("aws:cloudwatch/logGroup:LogGroup")
def log_group(call: ResourceCall) -> Answer:
    state = aws_state(call)
    group = call.inputs.get("name") or call.physical
    state.update(name=group, arn=f"arn:aws:logs:{call.region}:{call.account}:log-group:{group}")
    return aws_answer(call, state)
