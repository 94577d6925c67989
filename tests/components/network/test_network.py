"""Network, asserted on the recorded offline plans of the shipped stacks."""

from __future__ import annotations

import fnmatch
import ipaddress
import json

import pytest

from components.catalog import tokens
from components.network.network import NetworkArgs, plan_subnets
from mlinfra.engine import Plan
from mlinfra.mocks import ACCOUNT_ID

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"


def _subnets(plan: Plan, kind: str):
    return sorted((r for r in plan.of_type(SUBNET) if f"-{kind}-" in r.name), key=lambda r: r.name)


def test_plan_subnets_splits_a_16_into_private_19s_and_public_22s() -> None:
    private, public = plan_subnets("10.10.0.0/16", 3)
    assert private == ["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"]
    assert public == ["10.10.224.0/22", "10.10.228.0/22", "10.10.232.0/22"]
    nets = [ipaddress.IPv4Network(c) for c in private + public]
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :]), "subnets overlap"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6])
def test_plan_subnets_never_overlap_for_any_az_count(count: int) -> None:
    private, public = plan_subnets("10.20.0.0/20", count)
    nets = [ipaddress.IPv4Network(c) for c in private + public]
    assert len(nets) == 2 * count
    assert all(n.subnet_of(ipaddress.IPv4Network("10.20.0.0/20")) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


def test_network_args_reject_a_single_az() -> None:
    with pytest.raises(ValueError, match="az_count must be between 2 and 6"):
        NetworkArgs(cidr="10.0.0.0/16", availability_zones=["a"], az_count=1, region="us-west-2", cluster_name="c")


@pytest.mark.parametrize("stack,azs", [("dev", 2), ("staging", 3), ("prod", 3)])
def test_subnets_span_the_configured_azs(stack: str, azs: int, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    for kind in ("public", "private"):
        subnets = _subnets(plan, kind)
        zones = [s.inputs["availabilityZone"] for s in subnets]
        assert len(subnets) == azs, f"{stack}: expected {azs} {kind} subnets, got {[s.name for s in subnets]}"
        assert len(set(zones)) == azs, f"{stack}: {kind} subnets share AZs: {zones}"


def test_private_subnets_route_through_nat_and_public_through_igw(prod_plan: Plan) -> None:
    plan = prod_plan
    rtb_of_subnet = {}
    for assoc in plan.of_type(ASSOC):
        subnet = next(d for d in assoc.property_dependencies["subnetId"])
        rtb = next(d for d in assoc.property_dependencies["routeTableId"])
        rtb_of_subnet[subnet] = rtb
    default_routes = {}
    for route in plan.of_type(ROUTE):
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0", f"{route.name}: unexpected destination"
        rtb = route.property_dependencies["routeTableId"][0]
        default_routes[rtb] = route
    for subnet in _subnets(plan, "private"):
        route = default_routes[rtb_of_subnet[subnet.urn]]
        assert "natGatewayId" in route.inputs and "gatewayId" not in route.inputs, (
            f"private subnet {subnet.name} must leave through NAT, route {route.name} has {route.inputs}"
        )
    for subnet in _subnets(plan, "public"):
        route = default_routes[rtb_of_subnet[subnet.urn]]
        assert route.inputs.get("gatewayId", "").startswith("igw-"), f"public subnet {subnet.name}: {route.inputs}"
        assert subnet.inputs["mapPublicIpOnLaunch"] is False, f"{subnet.name} auto-assigns public IPs"


def test_prod_has_one_nat_per_az_and_dev_a_single_nat(dev_plan: Plan, prod_plan: Plan) -> None:
    assert len(dev_plan.of_type(NAT)) == 1
    prod_nats = prod_plan.of_type(NAT)
    assert len(prod_nats) == 3
    # Each private route uses a different NAT in prod, so one AZ failing cannot cut the others off.
    nat_urns = {r.property_dependencies["natGatewayId"][0] for r in prod_plan.of_type(ROUTE) if "natGatewayId" in r.inputs}
    assert nat_urns == {n.urn for n in prod_nats}


def test_subnets_carry_the_eks_and_elb_role_tags(dev_plan: Plan) -> None:
    for subnet in _subnets(dev_plan, "public"):
        assert subnet.inputs["tags"]["kubernetes.io/role/elb"] == "1", subnet.name
        assert subnet.inputs["tags"]["kubernetes.io/cluster/mlinfra-dev"] == "shared", subnet.name
    for subnet in _subnets(dev_plan, "private"):
        assert subnet.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1", subnet.name
        assert subnet.inputs["tags"]["kubernetes.io/cluster/mlinfra-dev"] == "shared", subnet.name


def test_s3_gateway_endpoint_serves_every_private_route_table(prod_plan: Plan) -> None:
    endpoint = prod_plan.get("aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    private_rtbs = {r.urn for r in prod_plan.of_type("aws:ec2/routeTable:RouteTable") if "-private-" in r.name}
    assert set(endpoint.property_dependencies["routeTableIds"]) == private_rtbs


def test_flow_logs_capture_all_traffic_to_a_retained_log_group(prod_plan: Plan) -> None:
    flow = prod_plan.get("aws:ec2/flowLog:FlowLog", "network-flow-logs")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = prod_plan.get("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert group.urn in flow.property_dependencies["logDestination"]
    assert group.inputs["retentionInDays"] == 365


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_only_this_accounts_flow_logs_may_assume_the_flow_log_role(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    region = plan.outputs["region"]
    role = plan.get("aws:iam/role:Role", "network-flow-logs")
    flow = plan.get("aws:ec2/flowLog:FlowLog", "network-flow-logs")
    assert role.urn in flow.property_dependencies["iamRoleArn"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"} and statement["Action"] == ["sts:AssumeRole"]
    # Confused-deputy guard (AWS's recommended block): this account, a flow log of this account and region.
    condition = statement["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}, condition
    pattern = condition["ArnLike"]["aws:SourceArn"]
    assert fnmatch.fnmatchcase(f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc-flow-log/fl-0123456789abcdef0", pattern), pattern
    assert not fnmatch.fnmatchcase(f"arn:aws:ec2:{region}:210987654321:vpc-flow-log/fl-0123456789abcdef0", pattern)
    assert not fnmatch.fnmatchcase(f"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:vpc-flow-log/fl-0123456789abcdef0", pattern)
    assert not fnmatch.fnmatchcase(f"arn:aws:ec2:{region}:{ACCOUNT_ID}:instance/i-0123456789abcdef0", pattern)


def test_network_children_are_parented_to_the_component(dev_plan: Plan) -> None:
    component = dev_plan.get(tokens.NETWORK, "network")
    for r in dev_plan.resources:
        if r.name.startswith("network-"):
            assert r.parent == component.urn, f"{r.type} {r.name} is not parented to the Network component"


def test_the_default_security_group_is_adopted_with_no_rules(any_plan: Plan) -> None:
    (group,) = any_plan.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    vpc = any_plan.get("aws:ec2/vpc:Vpc", "network-vpc")
    assert group.inputs["ingress"] == [] and group.inputs["egress"] == [], f"{group.name} must carry no rules"
    assert group.property_dependencies["vpcId"] == (vpc.urn,), f"{group.name} must be the VPC's own default group"
